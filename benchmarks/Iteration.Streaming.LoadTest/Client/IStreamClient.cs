using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>The streams of one scenario run against one system, over one <see cref="Transport"/>.</summary>
internal interface IStreamClient : IAsyncDisposable
{
    /// <summary>How many streams were asked for (open or failed).</summary>
    int Count { get; }

    /// <summary>How many TCP connections carry them.</summary>
    int ConnectionCount { get; }

    /// <summary>Opens one stream per target and waits until the server has every subscriber; returns how long that took.</summary>
    Task<TimeSpan> OpenAsync(string system, IReadOnlyList<CreatedGeneration> targets, TimeSpan? timeout = null);
}
