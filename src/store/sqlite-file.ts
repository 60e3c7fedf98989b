/** The event log's file in DATA_DIR (with its -wal and -shm beside it). */
export const SQLITE_FILE = 'events.sqlite3';
