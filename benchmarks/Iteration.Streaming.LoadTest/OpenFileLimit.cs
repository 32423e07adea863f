using System.Runtime.InteropServices;

namespace Iteration.Streaming.LoadTest;

/// <summary>Raises this process's open-file limit (inherited by the server child), which tens of thousands of sockets need.</summary>
internal static partial class OpenFileLimit
{
    private const int RlimitNoFile = 7;

    /// <summary>Returns the soft limit in force afterwards, or -1 when it cannot be read (not Linux).</summary>
    public static long Raise(long wanted)
    {
        if (!OperatingSystem.IsLinux())
        {
            return -1;
        }

        if (GetRLimit(RlimitNoFile, out var limit) != 0)
        {
            return -1;
        }

        if (limit.Current >= (ulong)wanted)
        {
            return (long)limit.Current;
        }

        // Above the hard limit only a privileged process may go; otherwise take what the hard limit allows.
        var raised = new RLimit { Current = (ulong)wanted, Maximum = Math.Max(limit.Maximum, (ulong)wanted) };
        if (SetRLimit(RlimitNoFile, in raised) != 0)
        {
            raised = new RLimit { Current = Math.Min((ulong)wanted, limit.Maximum), Maximum = limit.Maximum };
            _ = SetRLimit(RlimitNoFile, in raised);
        }

        return GetRLimit(RlimitNoFile, out limit) == 0 ? (long)limit.Current : -1;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
