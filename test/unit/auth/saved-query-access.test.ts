import { describe, expect, it } from 'vitest';
import { can } from '../../../lib/auth/roles';
import { canChangeSavedQuery } from '../../../lib/auth/saved-query-access';

const own = { createdByUserId: 'u1' };
const others = { createdByUserId: 'u2' };
const orphaned = { createdByUserId: null };

describe('[ROLES] saved queries', () => {
  it('every role that reads datasets may save queries; only maintainers may manage anyone\'s', () => {
    for (const role of ['reader', 'editor', 'maintainer']) {
      expect(can(role, { dataset: 'read' })).toBe(true);
      expect(can(role, { savedQuery: 'save' })).toBe(true);
    }
    expect(can('reader', { savedQuery: 'manage' })).toBe(false);
    expect(can('editor', { savedQuery: 'manage' })).toBe(false);
    expect(can('maintainer', { savedQuery: 'manage' })).toBe(true);
  });

  it.each(['reader', 'editor'])('a %s changes only their own queries', (role) => {
    const actor = { userId: 'u1', role };
    expect(canChangeSavedQuery(actor, own)).toBe(true);
    expect(canChangeSavedQuery(actor, others)).toBe(false);
    expect(canChangeSavedQuery(actor, orphaned)).toBe(false);
  });

  it('a maintainer changes anyone\'s, including those of deleted accounts', () => {
    const actor = { userId: 'u1', role: 'maintainer' };
    for (const q of [own, others, orphaned]) expect(canChangeSavedQuery(actor, q)).toBe(true);
  });

  it('an unknown role changes nothing, not even a query it would own', () => {
    expect(canChangeSavedQuery({ userId: 'u1', role: 'owner' }, own)).toBe(false);
  });
});
