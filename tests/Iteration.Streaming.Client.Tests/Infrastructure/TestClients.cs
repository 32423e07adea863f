using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

public static class TestClients
{
    /// <summary>An <see cref="IterationClient"/> for the host, on its own connection pool.</summary>
    public static IterationClient CreateIterationClient(
        this KestrelTestHost host,
        IterationClientOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<IterationClient>? logger = null) =>
        new(host.CreateClient(), options, timeProvider, logger);

    /// <summary>Options that reconnect at once (the server's short <c>retry:</c> applies) and never give up.</summary>
    public static IterationClientOptions Patient(TimeSpan? stallTimeout = null) => new()
    {
        InitialReconnectDelay = TimeSpan.FromMilliseconds(5),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(50),
        MaxConsecutiveFailures = null,
        StallTimeout = stallTimeout ?? TimeSpan.FromSeconds(45),
    };
}
