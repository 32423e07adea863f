namespace Iteration.Streaming.Client;

/// <summary>
/// How <see cref="IterationClient"/> talks to the server and how <see cref="IterationClient.WatchAsync(GenerationHandle, long, CancellationToken)"/> resumes.
/// </summary>
public sealed class IterationClientOptions
{
    /// <summary>The path of the route group the server mapped with <c>MapIterationStream</c>. Default <c>/generations</c>.</summary>
    public string RoutePrefix { get; set; } = "/generations";

    /// <summary>The first reconnection delay when the server sent no <c>retry:</c> line. Default 1 second.</summary>
    public TimeSpan InitialReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap of the exponential backoff between failed reconnections. Default 30 seconds.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many reconnections in a row may fail (no event received in between) before watching gives up with an
    /// <see cref="IterationStreamException"/>; <see langword="null"/> retries forever. Default 10.
    /// </summary>
    public int? MaxConsecutiveFailures { get; set; } = 10;

    /// <summary>
    /// A connection that delivers no bytes at all (not even a heartbeat comment) for this long is considered dead and
    /// replaced. Set it to a few server heartbeat intervals. Default 45 seconds (three default heartbeats).
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(45);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(RoutePrefix) || RoutePrefix[0] != '/')
        {
            throw new ArgumentException($"{nameof(RoutePrefix)} must start with '/', but was '{RoutePrefix}'.", nameof(RoutePrefix));
        }

        Positive(InitialReconnectDelay, nameof(InitialReconnectDelay));
        Positive(MaxReconnectDelay, nameof(MaxReconnectDelay));
        Positive(StallTimeout, nameof(StallTimeout));
        if (MaxConsecutiveFailures is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConsecutiveFailures), MaxConsecutiveFailures, $"{nameof(MaxConsecutiveFailures)} must be 0 or more, or null to retry forever.");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive time span.");
        }
    }
}
