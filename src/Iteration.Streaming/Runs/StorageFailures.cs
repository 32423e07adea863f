using Iteration.Streaming.Engine;

namespace Iteration.Streaming.Runs;

/// <summary>Tells a storage failure (a full disk, a store that cannot write) from a run's own failure.</summary>
internal static class StorageFailures
{
    // ENOSPC and EDQUOT on Unix (the exception's HResult is the errno); ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.
    private const int NoSpace = 28;
    private const int QuotaExceeded = 122;
    private const int DiskFull = unchecked((int)0x80070070);
    private const int HandleDiskFull = unchecked((int)0x80070027);

    /// <summary>Whether <paramref name="exception"/> says that storage refused a write.</summary>
    public static bool IsStorageFailure(Exception exception) =>
        exception is GenerationStorageUnavailableException || IsDiskFull(exception);

    /// <summary>Where the failure came from: the storage packages throw <see cref="GenerationStorageUnavailableException"/>, a file system an <see cref="IOException"/>.</summary>
    public static GenerationStoragePart PartOf(Exception exception) =>
        exception is GenerationStorageUnavailableException ? GenerationStoragePart.Records : GenerationStoragePart.Files;

    /// <summary>The exception a refused admission throws: its message is for the caller (HTTP 503), the store's error stays inside.</summary>
    public static GenerationStorageUnavailableException AdmissionRefused(Exception exception) => exception as GenerationStorageUnavailableException
        ?? new GenerationStorageUnavailableException("The generation could not be stored (the server's storage is unavailable or full); retry later.", exception);

    private static bool IsDiskFull(Exception exception) =>
        exception is IOException { HResult: NoSpace or QuotaExceeded or DiskFull or HandleDiskFull };
}
