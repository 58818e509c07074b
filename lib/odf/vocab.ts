/** Names of the system columns (ODF `SetVocab`); a dataset may rename any of them. */
export interface DatasetVocab {
  offsetColumn: string;
  operationTypeColumn: string;
  systemTimeColumn: string;
  eventTimeColumn: string;
}

export const DEFAULT_VOCAB: DatasetVocab = {
  offsetColumn: 'offset',
  operationTypeColumn: 'op',
  systemTimeColumn: 'system_time',
  eventTimeColumn: 'event_time',
};
