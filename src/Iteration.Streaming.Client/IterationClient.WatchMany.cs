using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Client.Watching;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client;

// Watching many generations over one connection: a watch set named by POST /watch, or the signed-in owner's stream.
public sealed partial class IterationClient
{
    /// <summary>
    /// Watches many generations over one connection until each has delivered its terminal event: names the set
    /// (<c>POST /generations/watch</c>, each handle's read token, none for a <see cref="GenerationHandle.ForOwner"/>
    /// handle), then reads the multiplexed stream (<c>GET /generations/stream</c>) with the watch token, resuming by itself
    /// with the last cursor (<c>Last-Event-ID</c>) as <see cref="WatchAsync(GenerationHandle, long, CancellationToken)"/> does.
    /// </summary>
    /// <param name="generations">The generations, 1 to <see cref="WatchManyOptions.MaxGenerations"/> (the server's limit is lower: 100 by default), each once.</param>
    /// <param name="options">Where each generation starts (and a cursor to resume from); from each one's latest event when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops watching (the runs go on).</param>
    /// <returns>
    /// The members' events, interleaved; each member's in its own order and each once across reconnections (its
    /// <see cref="StreamingProgressEvent.GenerationId"/> says whose). Ends after every member's terminal event, or when the
    /// server says every member has ended and been delivered (204).
    /// </returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="generations"/> is null, empty, has a null handle, names a generation twice or more than
    /// <see cref="WatchManyOptions.MaxGenerations"/>; or an option is not valid.
    /// </exception>
    /// <exception cref="IterationApiException">
    /// (while enumerating) 400 the set or the cursor is refused (the detail names the entry); 401 a member's token is
    /// missing, forged or expired, or the generation is unknown (the detail names the entry: <c>generations[2] ('id'): …</c>);
    /// 403 a token of another generation; any other status retrying would not fix. A 429 on the stream (too many streams
    /// of this owner) is retried after its <c>Retry-After</c>.
    /// </exception>
    /// <exception cref="IterationStreamException">
    /// (while enumerating) Too many attempts failed in a row, or the server sent a cursor the client cannot send back;
    /// <see cref="IterationStreamException.Cursor"/> is the last cursor received.
    /// </exception>
    public IAsyncEnumerable<StreamingProgressEvent> WatchManyAsync(IEnumerable<GenerationHandle> generations, WatchManyOptions? options = null, CancellationToken cancellationToken = default)
    {
        var handles = CheckWatchSet(generations);
        options ??= new WatchManyOptions();
        options.Check();
        return WatchManyCoreAsync(handles, options, cancellationToken);
    }

    /// <summary>
    /// Watches every live generation of the signed-in user over one connection (<c>GET /generations/stream?owner=me</c>),
    /// and each one the user starts later from its first event. The client sends no token: the server resolves the owner
    /// from the HttpClient's own credentials, as for <see cref="ListAsync"/>. It resumes by itself with the last cursor,
    /// and never ends on its own: cancel <paramref name="cancellationToken"/> to stop.
    /// </summary>
    /// <param name="options">Where each generation live at connect starts (and a cursor to resume from); from each one's latest event when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops watching (the runs go on).</param>
    /// <returns>The events of the user's generations, interleaved; each generation's in its own order and each once across reconnections.</returns>
    /// <exception cref="ArgumentException">An option is not valid.</exception>
    /// <exception cref="IterationApiException">
    /// (while enumerating) 400 the cursor is malformed, tampered or another owner's; 401 the HttpClient is not signed in;
    /// 403 a cross-site request; 404 the server has no owner resolver. A 429 (too many streams of this owner) is retried
    /// after its <c>Retry-After</c>.
    /// </exception>
    /// <exception cref="IterationStreamException">(while enumerating) Too many attempts failed in a row; <see cref="IterationStreamException.Cursor"/> resumes after what was received.</exception>
    public IAsyncEnumerable<StreamingProgressEvent> WatchOwnerAsync(WatchManyOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WatchManyOptions();
        options.Check();
        var start = options.From == WatchManyFrom.Start ? "?owner=me&from=start" : "?owner=me";
        var stream = new MultiplexedStream("the signed-in owner's", Url("stream" + start), Url("stream?owner=me"), Token: null, Members: null);
        return _multiplex.WatchAsync(stream, options.LastEventId, cancellationToken);
    }

    private async IAsyncEnumerable<StreamingProgressEvent> WatchManyCoreAsync(
        List<GenerationHandle> handles,
        WatchManyOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new GenerationWatchRequest
        {
            Generations = handles.Select(h => new GenerationWatchMember { Id = h.GenerationId, Token = h.ReadsByOwnership ? null : h.Token }).ToList(),
        };
        var watch = await _calls.PostAsync(
            Url("watch"),
            JsonContent.Create(request, IterationStreamingJson.GenerationWatchRequest),
            token: null,
            IterationStreamingJson.GenerationWatchResponse,
            "a watch set",
            cancellationToken).ConfigureAwait(false);
        CheckWatchAnswer(watch, handles);

        var name = string.Create(CultureInfo.InvariantCulture, $"a watch set of {handles.Count} generations");
        var start = options.From == WatchManyFrom.Start ? "stream?from=start" : "stream";
        var stream = new MultiplexedStream(name, Url(start), Url("stream"), watch.WatchToken, new WatchMembers(watch.Generations));
        await foreach (var e in _multiplex.WatchAsync(stream, options.LastEventId, cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    /// <summary>The handles, checked as the server checks the set (before any request), so the error names the entry.</summary>
    private static List<GenerationHandle> CheckWatchSet(IEnumerable<GenerationHandle> generations)
    {
        ArgumentNullException.ThrowIfNull(generations);
        var handles = new List<GenerationHandle>();
        var first = new Dictionary<string, int>(StringComparer.Ordinal);

        // Counted while enumerating: an endless sequence stops at the cap instead of filling memory.
        foreach (var handle in generations)
        {
            var i = handles.Count;
            if (i == WatchManyOptions.MaxGenerations)
            {
                throw new ArgumentException(
                    $"A watch set names at most {WatchManyOptions.MaxGenerations} generations (the server's MaxGenerationsPerStream, 100 by default, may be lower), but generations has more.",
                    nameof(generations));
            }

            if (handle is null)
            {
                throw new ArgumentException($"generations[{i}] is null.", nameof(generations));
            }

            if (!first.TryAdd(handle.GenerationId, i))
            {
                throw new ArgumentException(
                    $"generations[{i}] ('{handle.GenerationId}') is the generation of generations[{first[handle.GenerationId]}]: a watch set names each generation once.",
                    nameof(generations));
            }

            handles.Add(handle);
        }

        return handles.Count == 0
            ? throw new ArgumentException("generations is empty: a watch set names at least one generation.", nameof(generations))
            : handles;
    }

    /// <summary>Refuses an answer to <c>POST /watch</c> that the stream could not be read with.</summary>
    private static void CheckWatchAnswer(GenerationWatchResponse watch, List<GenerationHandle> handles)
    {
        // The token goes into an Authorization header, as a generation's read token does.
        if (string.IsNullOrEmpty(watch.WatchToken) || watch.WatchToken.Any(c => c is <= ' ' or > '~'))
        {
            throw new IterationApiException("The server answered the watch request with a watch token the client cannot send (empty, or not printable ASCII without spaces).");
        }

        if (watch.Generations is null || !watch.Generations.SequenceEqual(handles.Select(h => h.GenerationId), StringComparer.Ordinal))
        {
            throw new IterationApiException("The server answered the watch request with a set of generations other than the one asked for.");
        }
    }
}
