using Iteration.Streaming.Engine;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>Turns SQLite errors into messages that name the file and the setting, and tells storage failures from others.</summary>
internal static class StoreFailures
{
    public const string PathKey = Hosting.SqliteStoreOptions.SectionName + ":Path";
    public const string BusyTimeoutKey = Hosting.SqliteStoreOptions.SectionName + ":BusyTimeout";

    // Primary result codes (https://sqlite.org/rescode.html).
    private const int Perm = 3;
    private const int Busy = 5;
    private const int Locked = 6;
    private const int NoMem = 7;
    private const int ReadOnly = 8;
    private const int IoErr = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int Protocol = 15;
    private const int NoLfs = 22;
    private const int Auth = 23;
    private const int NotADb = 26;

    /// <summary>
    /// Whether the error is the file's or the disk's (every write of a batch would fail alike), not one write's own
    /// (a value too big, a constraint): only then does a failed batch fail every write in it without retrying them apart.
    /// </summary>
    public static bool IsStorageFailure(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: Perm or Busy or Locked or NoMem or ReadOnly or IoErr or Corrupt or Full or CantOpen or Protocol or NoLfs or Auth or NotADb }
        or IOException;

    /// <summary>
    /// The exception a caller gets when its write could not be committed: a <see cref="GenerationStorageUnavailableException"/>
    /// when the file or the disk refused it (the engine then reports the run's end from memory, a start answers 503).
    /// </summary>
    public static IOException WriteFailed(string path, string what, Exception exception)
    {
        var reason = exception switch
        {
            SqliteException { SqliteErrorCode: Full } => "the disk is full (or the database reached its size limit)",
            SqliteException { SqliteErrorCode: Busy or Locked } => $"the file stayed locked by another connection past {BusyTimeoutKey}",
            SqliteException { SqliteErrorCode: ReadOnly or Perm or CantOpen } => "the file cannot be written",
            SqliteException { SqliteErrorCode: Corrupt or NotADb } => "the file is damaged",
            SqliteException sqlite => $"SQLite error {sqlite.SqliteErrorCode}",
            _ => exception.GetType().Name,
        };
        var message = $"The SQLite store '{path}' could not save {what}: {reason} ({Sentence(exception.Message)}). Nothing of it was saved or shown to watchers.";
        return IsStorageFailure(exception)
            ? new GenerationStorageUnavailableException(message, exception)
            : new IOException(message, exception);
    }

    /// <summary>The exception that stops the host when the file cannot be used.</summary>
    public static InvalidOperationException OpenFailed(string path, TimeSpan busyTimeout, Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: NotADb } => new InvalidOperationException(
            $"The file '{path}' ({PathKey}) is not a SQLite database: it is another kind of file, encrypted, or damaged beyond its header. "
            + $"Move it away or point {PathKey} at another file.",
            exception),
        SqliteException { SqliteErrorCode: Corrupt } => Damaged(path, exception.Message, exception),
        SqliteException { SqliteErrorCode: Busy or Locked } => new InvalidOperationException(
            $"The SQLite store '{path}' ({PathKey}) is locked by another connection or process and stayed locked for {busyTimeout} "
            + $"({BusyTimeoutKey}). Stop the program holding it (another host, a backup, the sqlite3 shell) or give this host its own file.",
            exception),
        SqliteException { SqliteErrorCode: ReadOnly or Perm or CantOpen or Auth } => new InvalidOperationException(
            $"The SQLite store '{path}' ({PathKey}) cannot be opened for writing: {Sentence(exception.Message)}. The file and its folder must be writable by this process.",
            exception),
        SqliteException { SqliteErrorCode: Full } => new InvalidOperationException(
            $"The SQLite store '{path}' ({PathKey}) cannot be opened: the disk is full.",
            exception),
        _ => new InvalidOperationException($"The SQLite store '{path}' ({PathKey}) could not be opened: {exception.Message}", exception),
    };

    /// <summary>The exception that stops the host when a file of an earlier schema version could not be upgraded.</summary>
    public static InvalidOperationException UpgradeFailed(string path, int fromVersion, int toVersion, Exception exception) => new(
        $"The SQLite store '{path}' ({PathKey}) has schema version {fromVersion} and could not be upgraded to version {toVersion}: "
        + $"{Sentence(exception.Message)}. The file was left as it was; its tables are not those of version {fromVersion}. "
        + $"Restore it from a backup, or move it away to start with an empty store.",
        exception);

    /// <summary>A message to go inside a sentence of ours: without its own closing full stop.</summary>
    private static string Sentence(string message) => message.TrimEnd().TrimEnd('.');

    public static InvalidOperationException Damaged(string path, string detail, Exception? inner = null) => new(
        $"The SQLite store '{path}' ({PathKey}) is damaged ({detail}). Restore it from a backup, or move it away to start with an empty store.",
        inner);
}
