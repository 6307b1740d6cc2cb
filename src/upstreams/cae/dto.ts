/** CAE ShowJob (`/v1/{p}/cae/jobs/{j}`) payload as sent. */
export interface CaeTaskDto {
  index?: number;
  name?: string;
  status?: string;
  detail?: string;
  created_at?: string;
  updated_at?: string;
}

export interface CaeJobDto {
  api_version?: string;
  kind?: string;
  spec?: {
    progress?: number;
    status?: string;
    tasks?: CaeTaskDto[];
  };
}
