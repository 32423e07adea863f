using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Client.Diagnostics;
using Iteration.Streaming.Client.Http;
using Iteration.Streaming.Events;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Client.Watching;

/// <summary>
/// The reconnect loop of a multiplexed stream (<c>GET /generations/stream</c>): follows many generations over one
/// connection, keeps the last SSE id as the set's cursor and resumes with it in <c>Last-Event-ID</c> after a dropped
/// connection, a stream that ends early, or a silent stall, with the same delays, <c>retry:</c>, <c>Retry-After</c> and
/// failure limit as <see cref="GenerationWatcher"/>.
/// </summary>
/// <remarks>
/// The cursor is opaque: the server keeps each member's events in order and exactly once across resumes, so the client
/// only echoes it (and refuses one it could not send back). A watch set ends after every member's terminal event, or
/// when the server answers 204 (every member has ended and been delivered: a member deleted while watched leaves the
/// cursor without one); an owner's stream never ends on its own.
/// </remarks>
internal sealed class MultiplexWatcher(HttpClient http, IterationClientOptions options, TimeProvider time, ILogger logger)
{
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");

    private readonly HttpClient _http = http;
    private readonly IterationClientOptions _options = options;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;

    public async IAsyncEnumerable<StreamingProgressEvent> WatchAsync(
        MultiplexedStream stream,
        string? cursor,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var failures = 0;
        TimeSpan? serverRetry = null;
        TimeSpan? retryAfter = null;
        Exception? lastError = null;
        var reason = string.Empty;

        while (true)
        {
            if (failures > 0)
            {
                if (_options.MaxConsecutiveFailures is { } max && failures > max)
                {
                    Log.StreamGaveUp(_logger, stream.Name, failures);
                    throw new IterationStreamException(
                        $"Watching the multiplexed stream ({stream.Name}) gave up after {failures} failed attempts in a row ({reason}).",
                        lastError) { Cursor = cursor };
                }

                var delay = retryAfter
                    ?? ReconnectBackoff.Delay(failures, serverRetry ?? _options.InitialReconnectDelay, _options.MaxReconnectDelay, Random.Shared.NextDouble());
                retryAfter = null;
                Log.StreamReconnecting(_logger, stream.Name, reason, delay, failures);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }

            // Cancelled by the stall guard: while waiting for the headers, and while a body read gets no bytes.
            using var stall = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);

            HttpResponseMessage response;
            try
            {
                using var request = ApiResponses.Authorized(HttpMethod.Get, cursor is null ? stream.StartUrl : stream.ResumeUrl, stream.Token);
                request.Headers.Accept.Add(EventStream);
                request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
                if (cursor is not null)
                {
                    request.Headers.TryAddWithoutValidation("Last-Event-ID", cursor);
                }

                stall.CancelAfter(_options.StallTimeout);
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                stall.CancelAfter(Timeout.InfiniteTimeSpan);
            }
            catch (Exception e) when (StreamRules.IsTransient(e, cancellationToken))
            {
                (failures, lastError, reason) = (failures + 1, e, StreamRules.Describe(e, stall));
                continue;
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    if (stream.Members is not null)
                    {
                        Log.StreamEnded(_logger, stream.Name, "the server answered 204: every generation has ended and been delivered");
                        yield break;
                    }

                    // An owner's stream waits for the owner's next generation: a 204 is a server that closed early.
                    (failures, lastError, reason) = (failures + 1, null, "the server answered 204 to an owner's stream");
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    var error = await ApiResponses.ErrorAsync(response, linked.Token).ConfigureAwait(false);
                    if (!StreamRules.IsRetryable(response.StatusCode))
                    {
                        throw error;
                    }

                    retryAfter = StreamRules.RetryAfter(response, _time, _options.MaxReconnectDelay);
                    (failures, lastError, reason) = (failures + 1, error, $"HTTP {(int)response.StatusCode}");
                    continue;
                }

                if (!string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
                {
                    (failures, lastError, reason) = (failures + 1, null, $"the answer was '{response.Content.Headers.ContentType}', not an event stream");
                    continue;
                }

                var opened = _time.GetTimestamp();
                var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var parser = SseParser.Create(new StallGuardStream(body, stall, _options.StallTimeout), StreamRules.ParseEvent);
                var items = parser.EnumerateAsync(linked.Token).GetAsyncEnumerator(linked.Token);
                reason = stream.Members is null ? "the stream ended" : "the stream ended before every generation's terminal event";
                try
                {
                    while (true)
                    {
                        SseItem<StreamingProgressEvent?> item;
                        try
                        {
                            if (!await items.MoveNextAsync().ConfigureAwait(false))
                            {
                                break;
                            }

                            item = items.Current;
                        }
                        catch (Exception e) when (StreamRules.IsTransient(e, cancellationToken))
                        {
                            (lastError, reason) = (e, StreamRules.Describe(e, stall));
                            break;
                        }
                        finally
                        {
                            serverRetry = StreamRules.ServerRetry(parser, _options.MaxReconnectDelay) ?? serverRetry;
                        }

                        // Every event of the stream moves the cursor: one without an id, or with the id already held,
                        // could not be resumed past, so yielding it could yield it twice.
                        if (string.IsNullOrEmpty(item.EventId) || item.EventId == cursor)
                        {
                            continue;
                        }

                        if (!WatchManyOptions.IsCursor(item.EventId))
                        {
                            throw new IterationStreamException(
                                $"The multiplexed stream ({stream.Name}) sent an id the client cannot send back as Last-Event-ID (empty, over {WatchManyOptions.MaxCursorLength} characters, or not printable ASCII without spaces).")
                            { Cursor = cursor };
                        }

                        cursor = item.EventId;
                        failures = 0;
                        if (item.Data is not { } progress)
                        {
                            Log.StreamInvalidEvent(_logger, stream.Name);
                            continue;
                        }

                        if (stream.Members is { } members && !members.Contains(progress.GenerationId))
                        {
                            Log.StreamForeignEvent(_logger, stream.Name, progress.GenerationId);
                            continue;
                        }

                        yield return progress;
                        if (progress.IsTerminal && stream.Members is { } set && set.End(progress.GenerationId))
                        {
                            Log.StreamEnded(_logger, stream.Name, "every generation delivered its terminal event");
                            yield break;
                        }
                    }
                }
                finally
                {
                    await items.DisposeAsync().ConfigureAwait(false);
                }

                // As for one generation: a connection that stayed healthy for a whole stall timeout was a working
                // attempt (the server closes streams at their lifetime; an owner's stream may carry only heartbeats).
                if (!stall.IsCancellationRequested && _time.GetElapsedTime(opened) >= _options.StallTimeout)
                {
                    failures = 0;
                }
            }

            failures++;
        }
    }
}
