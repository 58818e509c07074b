import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="flex flex-col gap-2">
      <h1 className="text-lg font-semibold">Not found</h1>
      <p className="text-sm text-muted-foreground">
        There is no such dataset or page. <Link href="/" className="text-primary underline">All datasets</Link>
      </p>
    </div>
  );
}
