using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// Ends the local streams of generations that vanished from Redis before their end (Redis lost them and nobody restored
/// them within a lease, or they were deleted): otherwise their watchers would wait forever.
/// </summary>
internal sealed class VanishedGenerationSweep(RedisScriptGateway scripts, RedisStreamTail tail, TimeProvider timeProvider, ILogger<VanishedGenerationSweep>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private readonly Dictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);

    /// <summary>Checks every watched generation once; called by one round at a time.</summary>
    public async Task SweepAsync(IDatabase database, CancellationToken cancellationToken)
    {
        var watched = tail.Unfinished();
        var checks = watched.Select(w => (Watch: w, Exists: database.KeyExistsAsync(scripts.Keys.Meta(w.GenerationId)))).ToList();
        var now = timeProvider.GetUtcNow();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (watch, exists) in checks)
        {
            var id = watch.GenerationId;
            seen.Add(id);
            if (await exists.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                _missingSince.Remove(id);
                continue;
            }

            if (!_missingSince.TryGetValue(id, out var since))
            {
                _missingSince[id] = now;
            }
            else if (now - since >= scripts.Options.LeaseDuration)
            {
                _missingSince.Remove(id);
                Log.WatchedGenerationGone(_logger, id);
                watch.MarkGone();
            }
        }

        foreach (var id in _missingSince.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _missingSince.Remove(id);
        }
    }
}
