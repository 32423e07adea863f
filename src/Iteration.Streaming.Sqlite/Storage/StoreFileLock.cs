namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// Makes a store file one host's: a lock file beside it (<c>{file}.lock</c>), held open without sharing for the store's
/// life. The store keeps the next sequence of each log in memory, so a second host writing the same file would corrupt
/// the logs; the lock turns that into a clear error at start. The operating system releases it when the process ends,
/// however it ends.
/// </summary>
/// <remarks>A separate file, because closing any handle of the database file itself would drop SQLite's own locks.</remarks>
internal static class StoreFileLock
{
    // ERROR_SHARING_VIOLATION on Windows; EWOULDBLOCK (flock) on Linux and macOS.
    private const int WindowsSharingViolation = unchecked((int)0x80070020);
    private const int LinuxWouldBlock = 11;
    private const int MacWouldBlock = 35;

    public static FileStream Acquire(string path)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidOperationException($"The SQLite store path '{path}' ({StoreFailures.PathKey}) is a folder; it must name a file.");
        }

        var folder = Path.GetDirectoryName(path);
        try
        {
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"The folder '{folder}' of the SQLite store '{path}' ({StoreFailures.PathKey}) does not exist and could not be created: {ex.Message}",
                ex);
        }

        var lockPath = path + ".lock";
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (IOException ex) when (ex.HResult is WindowsSharingViolation or LinuxWouldBlock or MacWouldBlock)
        {
            throw new InvalidOperationException(
                $"The SQLite store '{path}' ({StoreFailures.PathKey}) is in use by another host (its lock file '{lockPath}' is held). "
                + "Only one process may use a store file at a time: stop the other host, or give this one its own file.",
                ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"The SQLite store '{path}' ({StoreFailures.PathKey}) cannot be written: {ex.Message} The file and its folder must be writable by this process.",
                ex);
        }
    }
}
