/** CFW job (`/v3/{p}/jobs/{j}`) payload as sent; times are documented as strings but arrive as epoch ms. */
export interface CfwJobDto {
  error_code?: string;
  error_msg?: string;
  data?: {
    id?: string;
    status?: string;
    begin_time?: number | string;
    end_time?: number | string;
  };
}
