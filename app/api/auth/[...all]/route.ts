import { getAuth } from '@/lib/server/auth';

/** Better Auth's endpoints (sign-in, sign-up, sign-out, organizations, invitations). */
async function handle(request: Request): Promise<Response> {
  return (await getAuth()).handler(request);
}

export { handle as GET, handle as POST };
