/** The error of file mode for input that cannot be read as answers (exit 1, one `[ERROR]` line). */
export class CsvInputError extends Error {
  override name = 'CsvInputError';
}
