import { isSluiceError, type SluiceError } from '../errors';
import { isManifestError, type ManifestError } from '../odf';
import { splitManifestDocuments } from '../odf/split-manifest-documents';
import { addDataset, type AddDatasetArgs, type AddedDataset } from './add-dataset';

/** Manifest text from one place: a file (by its path) or standard input (`-`). */
export interface ManifestSource {
  label: string;
  text: string;
}

/** One document of a source: its label (the source, with `[n]`, 0-based as Kamu's `STDIN[n]`, when it holds several). */
export interface LabelledManifest {
  label: string;
  /** 1-based line of the source where the document starts. */
  line: number;
  text: string;
}

/** Every YAML document of the sources, in order (see splitManifestDocuments). */
export function manifestDocuments(sources: ManifestSource[]): LabelledManifest[] {
  return sources.flatMap((source) => {
    const documents = splitManifestDocuments(source.text);
    return documents.map((doc, i) => ({ label: documents.length === 1 ? source.label : `${source.label}[${i}]`, line: doc.line, text: doc.text }));
  });
}

/** What became of one document: added, or refused with the reason (nothing of it stored). */
export type AddOutcome = { label: string } & ({ ok: true; added: AddedDataset } | { ok: false; error: ManifestError | SluiceError });

/**
 * `sluice add` as `kamu add`: every document is added, or refused, on its own, so one bad manifest
 * costs only itself; line numbers in its errors are its source's. Errors a user can act on are
 * outcomes; anything else (a broken database) is thrown.
 */
export async function addManifests(args: Omit<AddDatasetArgs, 'manifest'> & { documents: LabelledManifest[]; onOutcome?: (o: AddOutcome) => void }): Promise<AddOutcome[]> {
  const outcomes: AddOutcome[] = [];
  for (const { label, line, text } of args.documents) {
    let outcome: AddOutcome;
    try {
      outcome = { label, ok: true, added: await addDataset({ ...args, manifest: text, firstLine: line }) };
    } catch (err) {
      if (isManifestError(err) || isSluiceError(err)) outcome = { label, ok: false, error: err };
      else throw err;
    }
    outcomes.push(outcome);
    args.onOutcome?.(outcome);
  }
  return outcomes;
}
