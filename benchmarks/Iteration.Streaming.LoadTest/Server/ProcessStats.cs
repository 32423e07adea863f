using System.Diagnostics;

namespace Iteration.Streaming.LoadTest.Server;

/// <summary>CPU, memory and GC figures of the current process.</summary>
internal static class ProcessStats
{
    public static ServerStats Read(long subscribers, long eventsWritten)
    {
        using var process = Process.GetCurrentProcess();
        return new ServerStats(
            process.TotalProcessorTime.TotalMilliseconds,
            GC.GetTotalMemory(forceFullCollection: false),
            ReadRss(),
            GC.GetTotalAllocatedBytes(precise: false),
            GC.CollectionCount(2),
            subscribers,
            eventsWritten,
            process.Threads.Count,
            OpenHandles(),
            System.Runtime.JitInfo.GetCompiledMethodCount());
    }

    public static void FullCollect()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>Resident set size from /proc (Linux), else the working set.</summary>
    public static long ReadRss()
    {
        try
        {
            var statm = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(statm[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (IOException)
        {
            return Environment.WorkingSet;
        }
        catch (UnauthorizedAccessException)
        {
            return Environment.WorkingSet;
        }
    }

    /// <summary>Open file descriptors (sockets, files, pipes) from /proc (Linux), else the handle count.</summary>
    public static int OpenHandles()
    {
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            using var process = Process.GetCurrentProcess();
            return process.HandleCount;
        }
    }

    public static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
