// Every failure `type` Hostflow raises, in one place: activities throw them, workflows branch on
// them, and operators read them in the Web UI. Provider transient errors add their own
// `<Provider>.<code>` types (activities/errors.ts), which are always retried.
export const FailureType = {
  // Raised by activities.
  /** The provider refused for good (forbidden, invalid input, resource limit): retrying won't help. */
  ProviderRefused: 'ProviderRefused',
  /** The request itself is wrong for this instance (e.g. resize to a smaller disk): the operation
   * fails, the instance stays as it was. Raised by activities; the entity reads it too. */
  OperationRefused: 'OperationRefused',
  /** Hostflow's own inputs are inconsistent (a bug or a hand-edited read model). */
  InvalidInput: 'InvalidInput',
  /** A provider action finished with status error. */
  ActionFailed: 'ActionFailed',
  /** The instance's DNS name already has a record Hostflow did not create for it: left untouched, the provision fails. */
  DnsNameTaken: 'DnsNameTaken',
  /** Writing to Hostflow's own database failed (Postgres down or restarting): retried. */
  ReadModelWriteFailed: 'ReadModelWriteFailed',

  // Raised by the operation workflows.
  ProvisionFailed: 'ProvisionFailed',
  CompensationFailed: 'CompensationFailed',
  ReadyTimeout: 'ReadyTimeout',
  /** The VPS called back `failed`: its install did not come up (the reason is in the message). */
  VmReportedFailure: 'VmReportedFailure',
  /** provision: the VPS is ready, the welcome e-mail or billing notice is not sent (details: ResumeAfterReady). */
  ReadyButNotNotified: 'ReadyButNotNotified',
} as const;
