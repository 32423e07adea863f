using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.AspNetCore.Streams.Multiplex;

/// <summary>Opens members of a multiplexed stream at their position.</summary>
internal static class MultiplexMembers
{
    /// <summary>
    /// Follows <paramref name="generationId"/> after <paramref name="after"/>, or from its latest event when null (the
    /// "now" view: that event is delivered first). Adds it to <paramref name="stream"/>, or adds it as gone when it no
    /// longer exists.
    /// </summary>
    /// <exception cref="MultiplexCursorException"><paramref name="after"/> is ahead of the generation's log.</exception>
    public static async ValueTask FollowAsync(
        MultiplexSubscription stream, IIterationEngine engine, IGenerationEventLog log, string generationId, long? after, bool keyed, DateTimeOffset? createdAt, CancellationToken cancellationToken)
    {
        EventLogSubscription subscription;
        long position;
        try
        {
            position = after ?? Math.Max(0, ((await log.GetLatestAsync(generationId, cancellationToken).ConfigureAwait(false))?.Sequence ?? 1) - 1);
            subscription = await engine.WatchAsync(generationId, position, cancellationToken).ConfigureAwait(false);
        }
        catch (GenerationNotFoundException)
        {
            stream.AddGone(generationId, keyed);
            return;
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new MultiplexCursorException($"The last event id names event {after} of generation '{generationId}', which its log does not have yet.");
        }

        if (subscription.IsAlreadyComplete)
        {
            // Its terminal event was delivered already (a cursor at it): it stays in the cursor as done.
            await subscription.DisposeAsync().ConfigureAwait(false);
            stream.Add(MultiplexMember.Finished(generationId, keyed));
            return;
        }

        var member = MultiplexMember.Following(generationId, keyed, subscription, position);
        member.CreatedAt = createdAt;
        try
        {
            stream.Add(member);
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
