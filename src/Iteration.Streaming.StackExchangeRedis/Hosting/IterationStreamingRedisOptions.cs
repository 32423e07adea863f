using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Hosting;

/// <summary>
/// Options of the Redis backplane, validated when the host starts. Retention (how many events a generation keeps and how
/// long a finished one stays) comes from <c>IterationStreamingOptions</c>, as for the in-memory log.
/// </summary>
public sealed class IterationStreamingRedisOptions
{
    /// <summary>
    /// The StackExchange.Redis configuration string, for example <c>localhost:6379</c> or
    /// <c>redis1:6379,redis2:6379,password=…,ssl=true</c>. Not needed when an existing connection is passed.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// The first part of every key this package writes (<c>{KeyPrefix}:{generation id}:events</c>), so several
    /// applications can share one Redis. Letters, digits and <c>-_.:</c> only. Default <c>iteration-streaming</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "iteration-streaming";

    /// <summary>
    /// Names this app instance in Redis (its tail reader's wake-up key and connection name). Instances must not share one.
    /// Letters, digits and <c>-_.</c> only. Default: the machine name, the process id and a random suffix.
    /// </summary>
    public string InstanceName { get; set; } = DefaultInstanceName();

    /// <summary>
    /// How long the instance's one blocking tail read waits on Redis before it is re-issued. New events and new watched
    /// generations end the wait at once; this only bounds how long a silent connection goes unchecked. Default 5 seconds.
    /// </summary>
    public TimeSpan BlockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the tail reader waits before it reads again after Redis failed. Default 1 second.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most entries one tail read takes from each watched generation. Default 256.</summary>
    public int TailBatchSize { get; set; } = 256;

    /// <summary>The most entries one replay read (<c>XRANGE</c>) takes for a reader catching up. Default 256.</summary>
    public int ReplayBatchSize { get; set; } = 256;

    /// <summary>
    /// How many of the newest entries of each watched generation an instance keeps in memory for its local readers;
    /// a reader further behind reads from Redis instead, so a slow reader never grows memory. Default 1,024.
    /// </summary>
    public int LocalWindowSize { get; set; } = 1_024;

    /// <summary>
    /// How long the instance running a generation owns it without renewing: when its lease lapses (the instance crashed
    /// or lost Redis), another instance takes the run over and resumes it from its last saved phase. A crashed
    /// instance's runs go on within about this time plus <see cref="LeaseRenewalInterval"/>; a stopping instance hands
    /// its runs over at once instead. Default 30 seconds.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often an instance renews the leases of its runs, picks up cancel requests made elsewhere, and looks for runs
    /// of other instances to take over. At most half of <see cref="LeaseDuration"/>, so one missed renewal loses nothing.
    /// Default 10 seconds.
    /// </summary>
    public TimeSpan LeaseRenewalInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a run may keep its events waiting in memory while Redis is unreachable. Events wait in order and reach
    /// Redis when it is back; a run that tries to add an event after this long fails with a clear error instead (its
    /// <c>failed</c> event waits too), so nothing is lost silently. Default 1 minute.
    /// </summary>
    public TimeSpan OutageTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The most events this instance keeps waiting for Redis during an outage, over all its runs; past it, a run that adds
    /// an event fails as with <see cref="OutageTimeout"/>. 0 keeps none: runs fail at the first event Redis does not take.
    /// Default 10,000.
    /// </summary>
    public int MaxBufferedEvents { get; set; } = 10_000;

    /// <summary>Set by the overload that takes an existing connection; that connection is used and never disposed here.</summary>
    internal IConnectionMultiplexer? Connection { get; set; }

    private static string DefaultInstanceName()
    {
        var machine = new string(Environment.MachineName.Where(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(40).ToArray());
        var suffix = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4));
        return $"{(machine.Length == 0 ? "instance" : machine)}-{Environment.ProcessId}-{suffix}";
    }
}
