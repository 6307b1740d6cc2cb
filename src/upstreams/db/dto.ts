/** RDS task center (`/v3/{p}/jobs?id={j}`) payload as sent. */
export interface DbJobDto {
  job?: {
    id?: string;
    name?: string;
    status?: string;
    created?: string;
    ended?: string;
    /** "60%" while running, "" otherwise. */
    progress?: string;
    instance?: { id?: string; name?: string };
    fail_reason?: string | null;
  };
}
