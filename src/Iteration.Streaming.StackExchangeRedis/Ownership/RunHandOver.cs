using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// Hands a run this instance stopped without ending it (the host is stopping) over to the other instances: its lease is
/// deleted with a hand-over mark in one step, its lease index entry made due, and the hand-over announced, so another
/// instance claims it at once instead of after the lease lapses. With no other instance alive, the first one to start
/// claims it from the index.
/// </summary>
/// <remarks>
/// A run whose events still wait for Redis here is not handed over: the next owner would write after them out of order.
/// Its lease lapses instead, once those events are written (or given up).
/// </remarks>
internal sealed class RunHandOver(
    RedisConnection connection,
    RedisScriptGateway scripts,
    OwnedRuns owned,
    GenerationJournals journals,
    ILogger<RunHandOver>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public async ValueTask HandOverAsync(string generationId, CancellationToken cancellationToken)
    {
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return;
        }

        if (journals.HasPending(generationId))
        {
            Log.HandOverDeferred(_logger, generationId);
            return;
        }

        // Renewal must not take the lease again once it is handed over.
        if (owned.Find(generationId) is { } run)
        {
            owned.Remove(run);
        }

        if (!await scripts.HandOverAsync(generationId, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        journals.Forget(journals.Find(generationId));
        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await database.SortedSetAddAsync(scripts.Keys.Leases, generationId, 0).WaitAsync(cancellationToken).ConfigureAwait(false);
        await database.PublishAsync(scripts.Keys.HandOverChannel, generationId).WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.RunHandedOver(_logger, generationId);
    }
}
