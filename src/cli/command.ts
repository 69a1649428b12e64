/** One `prodiff` sub-command: a summary for the usage text and a runner returning the exit code. */
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}
