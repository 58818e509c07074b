'use client';

import { Bookmark, Check, ChevronDown, Link2, Pencil, Save, Trash2 } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { formatTime } from '@/app/_components/format';
import { queryPath } from '@/app/_components/paths';
import { Button } from '@/app/_components/ui/button';
import { cn } from '@/app/_components/ui/cn';
import { Input, Label } from '@/app/_components/ui/input';
import { Popover, PopoverContent, PopoverTrigger } from '@/app/_components/ui/popover';
import { useAction } from '@/app/_components/use-action';
import type { SavedQuerySummary } from '@/lib/server/saved-queries';
import { deleteSavedQuery, renameSavedQuery, saveQuery } from './saved-query-actions';

/** A saved query as the page's editor needs it. */
export interface OpenedQuery {
  id: string;
  name: string;
  sql: string;
}

export interface SavedQueriesProps {
  workspace: string;
  /** The workspace's saved queries, from loadSavedQueries (name order; `canChange` shows rename and delete). */
  queries: SavedQuerySummary[];
  /** The editor's SQL: what Save stores. */
  currentSql: string;
  /** The saved query open in the editor, if any: Save offers its name, so saving again updates it. */
  activeId?: string;
  /** `q` is now the open query: picked from the list (show `q.sql` in the editor), or just saved (`q.sql` is the editor's SQL). */
  onOpen: (q: OpenedQuery) => void;
  /**
   * A saved query was deleted. If it was the open one, forget it and drop `?q=` from the address
   * now: the page is refreshed next, and a `?q=` naming a deleted query is a 404.
   */
  onDelete: (id: string) => void;
}

/**
 * Save the editor's SQL under a name, and open, link to, rename or delete the workspace's saved
 * queries. Every change goes through a server action (which checks the role again), then the page
 * is refreshed for the new list.
 */
export function SavedQueries({ workspace, queries, currentSql, activeId, onOpen, onDelete }: SavedQueriesProps) {
  return (
    <div className="flex items-center gap-2">
      <SaveQuery workspace={workspace} currentSql={currentSql} activeName={queries.find((q) => q.id === activeId)?.name} onSaved={onOpen} />
      <SavedQueryList workspace={workspace} queries={queries} activeId={activeId} onOpen={onOpen} onDelete={onDelete} />
    </div>
  );
}

function SaveQuery({ workspace, currentSql, activeName, onSaved }: { workspace: string; currentSql: string; activeName?: string; onSaved: (q: OpenedQuery) => void }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const { pending, error, setError, run } = useAction();
  return (
    <Popover
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        setError(null);
      }}
    >
      <PopoverTrigger asChild>
        <Button variant="outline" data-testid="save-query">
          <Save /> Save
        </Button>
      </PopoverTrigger>
      <PopoverContent className="w-72">
        <form
          className="flex flex-col gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            const sql = currentSql;
            const name = String(new FormData(e.currentTarget).get('name'));
            run(
              () => saveQuery({ workspace, name, sql }),
              (saved) => {
                setOpen(false);
                onSaved({ ...saved, sql });
                router.refresh();
              },
            );
          }}
        >
          <Label>
            Name
            <Input name="name" defaultValue={activeName} required autoFocus data-testid="saved-query-name" />
          </Label>
          <p className="text-xs text-muted-foreground">Saving under a name that exists replaces that query&apos;s SQL.</p>
          {error ? (
            <p className="text-xs text-destructive" role="alert">
              {error}
            </p>
          ) : null}
          <Button type="submit" disabled={pending}>
            Save
          </Button>
        </form>
      </PopoverContent>
    </Popover>
  );
}

function SavedQueryList({ workspace, queries, activeId, onOpen, onDelete }: Omit<SavedQueriesProps, 'currentSql'>) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const { pending, error, setError, run } = useAction();

  const copyLink = async (q: SavedQuerySummary) => {
    const link = `${window.location.origin}${queryPath(workspace, q.id)}`;
    try {
      await navigator.clipboard.writeText(link);
      setCopied(q.id);
      setError(null);
    } catch {
      // The clipboard needs a secure context (https or localhost) and the page's focus.
      setError(`The browser refused to copy; the link is ${link}`);
    }
  };

  return (
    <Popover
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        setRenaming(null);
        setCopied(null);
        setError(null);
      }}
    >
      <PopoverTrigger asChild>
        <Button variant="outline" data-testid="saved-queries">
          <Bookmark /> Saved queries <ChevronDown />
        </Button>
      </PopoverTrigger>
      <PopoverContent className="w-96 p-1">
        {queries.length === 0 ? <p className="p-2 text-muted-foreground">No saved queries yet: write one and press Save.</p> : null}
        <ul className="max-h-80 overflow-y-auto">
          {queries.map((q) => (
            <li key={q.id} data-testid="saved-query" data-name={q.name} className="flex items-center gap-1 rounded hover:bg-accent">
              {renaming === q.id ? (
                <form
                  className="flex flex-1 gap-1 p-1"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const name = String(new FormData(e.currentTarget).get('name'));
                    run(
                      () => renameSavedQuery({ workspace, id: q.id, name }),
                      () => {
                        setRenaming(null);
                        router.refresh();
                      },
                    );
                  }}
                >
                  <Input name="name" defaultValue={q.name} required autoFocus aria-label={`New name of ${q.name}`} className="min-w-0 flex-1" />
                  <Button size="sm" type="submit" disabled={pending}>
                    Rename
                  </Button>
                  <Button size="sm" variant="ghost" type="button" onClick={() => setRenaming(null)}>
                    Cancel
                  </Button>
                </form>
              ) : (
                <>
                  <button
                    type="button"
                    className="flex min-w-0 flex-1 flex-col items-start px-2 py-1 text-left"
                    onClick={() => {
                      setOpen(false);
                      onOpen({ id: q.id, name: q.name, sql: q.sql });
                    }}
                  >
                    <span className={cn('max-w-full truncate font-medium', q.id === activeId && 'text-primary')}>{q.name}</span>
                    {/* By email: a name is anyone's choice (another member's address, even), an email is the account. */}
                    <span className="max-w-full truncate text-xs text-muted-foreground" title={q.author?.name}>
                      {q.author ? q.author.email : 'a former member'} · {formatTime(q.updatedAt)}
                    </span>
                  </button>
                  <Button variant="ghost" size="icon" className="size-7" aria-label={`Copy link to ${q.name}`} onClick={() => copyLink(q)}>
                    {copied === q.id ? <Check /> : <Link2 />}
                  </Button>
                  {q.canChange ? (
                    <>
                      <Button variant="ghost" size="icon" className="size-7" aria-label={`Rename ${q.name}`} onClick={() => setRenaming(q.id)}>
                        <Pencil />
                      </Button>
                      <Button
                        variant="ghost"
                        size="icon"
                        className="size-7"
                        aria-label={`Delete ${q.name}`}
                        disabled={pending}
                        onClick={() =>
                          confirm(`Delete the saved query "${q.name}"?`) &&
                          run(
                            () => deleteSavedQuery({ workspace, id: q.id }),
                            () => {
                              onDelete(q.id);
                              router.refresh();
                            },
                          )
                        }
                      >
                        <Trash2 />
                      </Button>
                    </>
                  ) : null}
                </>
              )}
            </li>
          ))}
        </ul>
        {error ? (
          <p className="p-2 text-xs break-all text-destructive" role="alert">
            {error}
          </p>
        ) : null}
      </PopoverContent>
    </Popover>
  );
}
