namespace Iteration.Streaming.Client;

/// <summary>
/// How <see cref="IterationClient"/> talks to the server and how <see cref="IterationClient.WatchAsync(GenerationHandle, long, CancellationToken)"/> resumes.
/// </summary>
public sealed class IterationClientOptions
{
    /// <summary>
    /// The path of the route group the server mapped with <c>MapIterationStream</c>, relative to the client's base
    /// address (a path in the base address is kept). Default <c>/generations</c>.
    /// </summary>
    public string RoutePrefix { get; set; } = "/generations";

    /// <summary>The first reconnection delay when the server sent no <c>retry:</c> line. Default 1 second.</summary>
    public TimeSpan InitialReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The cap of every reconnection delay: the exponential backoff, the server's <c>retry:</c> and a
    /// <c>Retry-After</c> header. Default 30 seconds.
    /// </summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many attempts in a row may fail before watching gives up with an <see cref="IterationStreamException"/>;
    /// 0 gives up at the first failure, <see langword="null"/> retries forever. Default 10. A connection that delivered
    /// an event, or stayed up for a whole <see cref="StallTimeout"/> with bytes flowing (heartbeats count), resets the
    /// count: so a run that waits hours at a review gate, whose streams the server closes at their lifetime, is watched
    /// for as long as it waits.
    /// </summary>
    public int? MaxConsecutiveFailures { get; set; } = 10;

    /// <summary>
    /// A connection on which a read waits this long without a single byte (not even a heartbeat comment) is
    /// considered dead and replaced. Set it to a few server heartbeat intervals, and below the server's stream
    /// lifetime. Default 45 seconds (three default heartbeats).
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>What is wrong with these options, one message each; empty when they are valid.</summary>
    internal List<string> Check()
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(RoutePrefix)
            || RoutePrefix[0] != '/'
            || RoutePrefix.IndexOfAny(['?', '#', '\\', '%']) >= 0
            || RoutePrefix.Contains("//", StringComparison.Ordinal)
            || RoutePrefix.Any(c => c <= ' ' || c == '\u007f')
            || RoutePrefix.Split('/').Any(s => s is "." or ".."))
        {
            failures.Add($"{nameof(RoutePrefix)} must be a path starting with '/', such as '/generations', but was '{RoutePrefix}'.");
        }

        Positive(failures, InitialReconnectDelay, nameof(InitialReconnectDelay));
        Positive(failures, MaxReconnectDelay, nameof(MaxReconnectDelay));
        Positive(failures, StallTimeout, nameof(StallTimeout));
        if (MaxConsecutiveFailures is < 0)
        {
            failures.Add($"{nameof(MaxConsecutiveFailures)} must be 0 or more, or null to retry forever, but was {MaxConsecutiveFailures}.");
        }

        return failures;
    }

    /// <summary>Throws when the options are not valid.</summary>
    internal void Validate()
    {
        var failures = Check();
        if (failures.Count > 0)
        {
            throw new ArgumentException("The IterationClient options are not valid: " + string.Join(" ", failures), "options");
        }
    }

    private static void Positive(List<string> failures, TimeSpan value, string name)
    {
        // Task.Delay and CancelAfter accept at most uint.MaxValue - 1 milliseconds (about 49.7 days).
        if (value <= TimeSpan.Zero || value.TotalMilliseconds >= uint.MaxValue - 1)
        {
            failures.Add($"{name} must be a positive time span shorter than 49 days, but was {value}.");
        }
    }
}
