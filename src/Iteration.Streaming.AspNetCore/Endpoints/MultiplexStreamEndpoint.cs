using System.Globalization;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.AspNetCore.Security;
using Iteration.Streaming.AspNetCore.Streams;
using Iteration.Streaming.AspNetCore.Streams.Multiplex;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs;
using Iteration.Streaming.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>GET {prefix}/stream</c>: many generations' events over one Server-Sent Events stream, with one cursor for the set
/// as each event's id. With a watch token (<c>POST {prefix}/watch</c>): that set; with <c>?owner=me</c>: the caller's
/// live generations and every one they start later.
/// </summary>
/// <remarks>
/// Each event's data line is the member's own, byte for byte; <c>Last-Event-ID</c> resumes every member exactly after what
/// it delivered (see <see cref="MultiplexCursor"/>). A stream holds one of its owner's (or watch set's)
/// <c>MaxMultiplexedStreamsPerOwner</c> slots on this instance, and opens through <see cref="StreamReplayGate"/>.
/// </remarks>
internal sealed class MultiplexStreamEndpoint(ILogger logger, StreamEndpoint writer, GenerationStreamLimiter limiter, MultiplexCursor cursors, StreamReplayGate replays, bool resolvesOwners)
{
    public const string OwnerQuery = "owner";
    public const string FromQuery = "from";
    public const string Me = "me";

    private const string ForeignCursor =
        "The last event id is not a cursor of this stream: send the id of the last event this stream delivered, unchanged (a cursor of another watch set or owner, or one changed by hand, is refused).";

    public async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>().CurrentValue;
        if (ReadQuery(context.Request, out var query) is { } invalid)
        {
            await Problems.BadRequest(context, logger, invalid).ConfigureAwait(false);
            return;
        }

        var target = query.Owner is null
            ? await AuthorizeSetAsync(context).ConfigureAwait(false)
            : await AuthorizeOwnerAsync(context).ConfigureAwait(false);
        if (target is null)
        {
            return;
        }

        var slot = limiter.TryAcquire(target.LimitKey, options.MaxMultiplexedStreamsPerOwner, out var open);
        if (slot is null)
        {
            Log.MultiplexLimitReached(logger, target.Description, open);
            var retryAfter = Math.Max(1, (int)Math.Ceiling(options.RetryInterval.TotalSeconds));
            context.Response.Headers[HeaderNames.RetryAfter] = retryAfter.ToString(CultureInfo.InvariantCulture);
            await Problems.WriteAsync(
                context, logger, StatusCodes.Status429TooManyRequests,
                $"{open} multiplexed streams of this {(query.Owner is null ? "watch set" : "user")} are open on this server, the limit (IterationStreaming:MaxMultiplexedStreamsPerOwner); close one or retry later.").ConfigureAwait(false);
            return;
        }

        IDisposable? replay = null;
        MultiplexSubscription? stream = null;
        try
        {
            replay = await replays.EnterAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                stream = await target.OpenAsync(context, query, options).ConfigureAwait(false);
            }
            catch (MultiplexCursorException ex)
            {
                await Problems.BadRequest(context, logger, ex.Message).ConfigureAwait(false);
                return;
            }

            if (stream is null)
            {
                await Problems.BadRequest(context, logger, ForeignCursor).ConfigureAwait(false);
                return;
            }

            if (stream.IsAlreadyComplete)
            {
                // 204 tells EventSource to stop reconnecting: every member's terminal event was delivered.
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                context.Response.Headers.CacheControl = "no-store";
                return;
            }

            var streaming = stream;
            stream = null;
            var (held, heldReplay) = (slot, replay);
            (slot, replay) = (null, null);
            await writer.StreamAsync(context, target.Description, 0, streaming, options, held, heldReplay).ConfigureAwait(false);
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            replay?.Dispose();
            slot?.Dispose();
        }
    }

    /// <summary>The query: <c>owner</c>, <c>from</c> and the raw resume cursor; the first error, naming the parameter.</summary>
    private static string? ReadQuery(HttpRequest request, out StreamQuery query)
    {
        query = default;
        var owner = RequestValues.GetQueryValues(request, OwnerQuery);
        var from = RequestValues.GetQueryValues(request, FromQuery);
        if (owner.Count > 1 || from.Count > 1)
        {
            return $"'{(owner.Count > 1 ? OwnerQuery : FromQuery)}' must be sent once.";
        }

        var ownerValue = owner.Count == 1 ? owner[0] : null;
        if (ownerValue is not null && !string.Equals(ownerValue, Me, StringComparison.Ordinal))
        {
            return "'owner' must be 'me': a stream follows only the signed-in caller's own generations.";
        }

        // A bearer header beside owner=me is the host's own credential (a JWT): only a token in the URL conflicts.
        if (ownerValue is not null && RequestValues.HasQueryToken(request))
        {
            return "Send either a watch token (a set named by POST /watch) or 'owner=me' (the caller's own generations), not both.";
        }

        var fromValue = from.Count == 1 ? from[0] : null;
        if (fromValue is not (null or "" or "now" or "start"))
        {
            return "'from' must be 'now' (each generation from its latest event, the default) or 'start' (each from its first).";
        }

        var cursor = request.Headers[RequestValues.LastEventIdHeader];
        if (StringValues.IsNullOrEmpty(cursor))
        {
            cursor = RequestValues.GetQueryValues(request, RequestValues.LastEventIdQuery);
        }

        if (cursor.Count > 1)
        {
            return "The last event id must be sent once.";
        }

        var cursorValue = cursor.Count == 1 && !string.IsNullOrEmpty(cursor[0]) ? cursor[0] : null;
        if (cursorValue is { Length: > MultiplexCursor.MaxLength })
        {
            return $"The last event id is longer than a cursor of this stream can be ({MultiplexCursor.MaxLength} characters).";
        }

        query = new StreamQuery(ownerValue, fromValue == "start", cursorValue);
        return null;
    }

    private async Task<StreamTarget?> AuthorizeSetAsync(HttpContext context)
    {
        var (token, _) = RequestValues.GetToken(context.Request);
        var check = await context.RequestServices.GetRequiredService<WatchTokens>().ValidateAsync(token, context.RequestAborted).ConfigureAwait(false);
        if (check.Status != StreamTokenStatus.Valid)
        {
            await GenerationAccess.RefuseAsync(
                context, logger, check.Status,
                check.Status == StreamTokenStatus.Missing
                    ? "This stream needs a watch token (from POST /watch) in '?token=' or 'Authorization: Bearer', or 'owner=me' for the caller's own generations. "
                    : "The watch token was refused. ").ConfigureAwait(false);
            return null;
        }

        return new SetTarget(check, cursors.WatchTag(check.SetHash));
    }

    private async Task<StreamTarget?> AuthorizeOwnerAsync(HttpContext context)
    {
        if (!resolvesOwners)
        {
            await Problems.NotFound(
                context, logger,
                "This host has no owner streams: 'owner=me' needs an owner resolver (AddClaimsOwnerResolver or AddGenerationOwnerResolver). Watch a set with POST /watch instead.").ConfigureAwait(false);
            return null;
        }

        if (await GenerationAccess.ResolveUserAsync(context).ConfigureAwait(false) is not { } userId)
        {
            await Problems.WriteAsync(
                context, logger, StatusCodes.Status401Unauthorized,
                "An owner's stream needs a signed-in user: sign in with the host's authentication (a cookie or a bearer token).").ConfigureAwait(false);
            return null;
        }

        if (!GenerationAccess.IsSameOrigin(context.Request))
        {
            await Problems.WriteAsync(
                context, logger, StatusCodes.Status403Forbidden,
                "A user's generations are streamed only to the host's own pages: this request came from another site (Sec-Fetch-Site).").ConfigureAwait(false);
            return null;
        }

        return new OwnerTarget(userId, cursors.OwnerTag(userId), logger);
    }

    /// <summary>The parsed query.</summary>
    private readonly record struct StreamQuery(string? Owner, bool FromStart, string? Cursor);

    /// <summary>What a stream follows, once authorised: how it is limited, described, and opened.</summary>
    private abstract class StreamTarget
    {
        public abstract string LimitKey { get; }

        public abstract string Description { get; }

        /// <summary>Opens the subscription at the cursor (null: the cursor is not this stream's), or from the query's view.</summary>
        public abstract ValueTask<MultiplexSubscription?> OpenAsync(HttpContext context, StreamQuery query, IterationStreamingOptions options);
    }

    private sealed class SetTarget(WatchTokenCheck check, string tag) : StreamTarget
    {
        // ':' never appears in a generation id, so these keys never meet a generation's own stream count.
        public override string LimitKey { get; } = "set:" + tag;

        public override string Description { get; } = $"watch set {tag} ({check.GenerationIds.Count} generations)";

        public override async ValueTask<MultiplexSubscription?> OpenAsync(HttpContext context, StreamQuery query, IterationStreamingOptions options)
        {
            var ids = check.GenerationIds;
            long[]? positions = null;
            if (query.Cursor is { } cursor && !MultiplexCursor.TryReadWatch(cursor, tag, ids.Count, out positions))
            {
                return null;
            }

            var services = context.RequestServices;
            var engine = services.GetRequiredService<IIterationEngine>();
            var log = services.GetRequiredService<IGenerationEventLog>();
            var stream = new MultiplexSubscription(Description, MultiplexCursor.WatchHead(tag), endsWhenDone: true);
            try
            {
                for (var i = 0; i < ids.Count; i++)
                {
                    var position = positions?[i];
                    if (position < 0)
                    {
                        stream.Add(MultiplexMember.Finished(ids[i], keyed: false));
                    }
                    else if (check.Records[i] is null)
                    {
                        stream.AddGone(ids[i], keyed: false);
                    }
                    else
                    {
                        await MultiplexMembers.FollowAsync(
                            stream, engine, log, ids[i], position ?? (query.FromStart ? 0 : null), keyed: false, check.Records[i]!.CreatedAt, context.RequestAborted).ConfigureAwait(false);
                    }
                }

                var opened = stream;
                stream = null;
                return opened;
            }
            finally
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private sealed class OwnerTarget(string userId, string tag, ILogger logger) : StreamTarget
    {
        public override string LimitKey { get; } = "owner:" + userId;

        public override string Description { get; } = $"owner stream {tag}";

        public override async ValueTask<MultiplexSubscription?> OpenAsync(HttpContext context, StreamQuery query, IterationStreamingOptions options)
        {
            long? watermark = null;
            List<(string Id, long Sequence)>? entries = null;
            if (query.Cursor is { } cursor)
            {
                // Done members stay in the cursor a while: room for them beside the followed ones.
                if (!MultiplexCursor.TryReadOwner(cursor, tag, 4 * options.MaxGenerationsPerStream, out var mark, out var read))
                {
                    return null;
                }

                (watermark, entries) = (mark, read);
            }

            var services = context.RequestServices;
            var stream = new MultiplexSubscription(Description, MultiplexCursor.OwnerHead(tag, watermark ?? 0), endsWhenDone: false);
            var membership = new OwnerMembership(
                userId, tag, stream, services.GetRequiredService<IIterationEngine>(), services.GetRequiredService<IGenerationRecordStore>(),
                services.GetRequiredService<IGenerationEventLog>(), options, services.GetRequiredService<TimeProvider>(), logger);
            stream.Companion = membership;
            try
            {
                await membership.OpenAsync(services.GetRequiredService<OwnerStarts>(), watermark, entries, query.FromStart, context.RequestAborted).ConfigureAwait(false);
                var opened = stream;
                stream = null;
                return opened;
            }
            finally
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }
}
