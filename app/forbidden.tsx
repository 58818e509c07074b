import Link from 'next/link';

export default function Forbidden() {
  return (
    <div className="flex flex-col gap-2">
      <h1 className="text-lg font-semibold">Not allowed</h1>
      <p className="text-sm text-muted-foreground">
        Your role in this workspace does not allow this. A maintainer can change your role. <Link href="/" className="text-primary underline">Back</Link>
      </p>
    </div>
  );
}
