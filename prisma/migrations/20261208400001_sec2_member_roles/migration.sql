-- A member holds exactly one of Sluice's roles (lib/auth/roles.ts roleRefusal). Before the hooks
-- refused them, Better Auth stored any role a maintainer named: a list ("maintainer,reader") gave
-- Better Auth's endpoints the union while Sluice's guard gave nothing. Such a member keeps the
-- least of the Sluice roles listed (reader when none is), so nobody gains anything; pending
-- invitations with such a role are cancelled (a maintainer invites again).
UPDATE "workspace_member"
   SET "role" = CASE
     WHEN ',' || replace("role", ' ', '') || ',' LIKE '%,reader,%' THEN 'reader'
     WHEN ',' || replace("role", ' ', '') || ',' LIKE '%,editor,%' THEN 'editor'
     WHEN ',' || replace("role", ' ', '') || ',' LIKE '%,maintainer,%' THEN 'maintainer'
     ELSE 'reader' END
 WHERE "role" NOT IN ('reader', 'editor', 'maintainer');
UPDATE "workspace_invitation" SET "status" = 'canceled'
 WHERE "status" = 'pending' AND "role" NOT IN ('reader', 'editor', 'maintainer');
