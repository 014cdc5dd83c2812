// The project has no @types/better-sqlite3; this declares the part of its API that db/ uses.
declare module 'better-sqlite3' {
  class Database {
    constructor(filename: string, options?: Database.Options);
    readonly open: boolean;
    readonly inTransaction: boolean;
    prepare(sql: string): Database.Statement;
    exec(sql: string): this;
    pragma(source: string, options?: { simple?: boolean }): unknown;
    function(name: string, options: Database.FunctionOptions, fn: (...args: never[]) => unknown): this;
    close(): this;
  }
  namespace Database {
    interface ColumnDefinition {
      name: string;
      column: string | null;
      table: string | null;
      database: string | null;
      type: string | null;
    }
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }
    interface Statement {
      readonly reader: boolean;
      all(...params: unknown[]): unknown[];
      run(...params: unknown[]): RunResult;
      iterate(...params: unknown[]): IterableIterator<unknown>;
      columns(): ColumnDefinition[];
    }
    interface Options {
      readonly?: boolean;
      fileMustExist?: boolean;
      timeout?: number;
    }
    interface FunctionOptions {
      deterministic?: boolean;
      varargs?: boolean;
    }
  }
  export = Database;
}
