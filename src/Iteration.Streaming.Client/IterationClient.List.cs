using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client;

// Listing the signed-in user's generations: the one call that names no generation and sends no token.
public sealed partial class IterationClient
{
    /// <summary>
    /// Lists one page of the signed-in user's generations, newest first (<c>GET /generations?owner=me</c>). The client
    /// sends no token: the server resolves the owner from the HttpClient's own credentials (a cookie container, a
    /// default <c>Authorization</c> header, a handler), as it does for actions by ownership.
    /// </summary>
    /// <param name="options">The status filter, the page size and the cursor of the previous page; the first page of all when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page; <see cref="GenerationList.NextCursor"/> is the cursor of the next one, absent on the last.</returns>
    /// <exception cref="ArgumentException">The status is not a generation status, the limit is not 1 to 100, or the cursor is empty, too long or not printable ASCII.</exception>
    /// <exception cref="IterationApiException">
    /// 400 a field the server refused (a cursor of another user or another status filter, or tampered); 401 the
    /// HttpClient is not signed in; 404 the server lists no owners (it has no owner resolver).
    /// </exception>
    public Task<GenerationList> ListAsync(GenerationListOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GenerationListOptions();
        options.Check();
        return _calls.GetJsonAsync(ListUrl(options), token: null, IterationStreamingJson.GenerationList, cancellationToken);
    }

    /// <summary>
    /// Lists every generation of the signed-in user, newest first, page after page (<see cref="ListAsync"/> following
    /// <see cref="GenerationList.NextCursor"/>); a page is asked for only when the one before has been enumerated.
    /// </summary>
    /// <param name="status">Only generations with this status (a <see cref="GenerationStatus"/> value); <see langword="null"/> for all.</param>
    /// <param name="pageSize">How many generations each request asks for, 1 to 100.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <returns>The generations, each page in the server's order.</returns>
    /// <exception cref="ArgumentException">The status is not a generation status, or the page size is not 1 to 100.</exception>
    /// <exception cref="IterationApiException">As <see cref="ListAsync"/> (while enumerating); also when the server sends a cursor it sent before (a loop) or one the client cannot send back.</exception>
    public IAsyncEnumerable<GenerationListItem> ListAllAsync(string? status = null, int pageSize = 20, CancellationToken cancellationToken = default)
    {
        var first = new GenerationListOptions { Status = status, Limit = pageSize };
        first.Check();
        return ListAllCoreAsync(first, cancellationToken);
    }

    private async IAsyncEnumerable<GenerationListItem> ListAllCoreAsync(GenerationListOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var page = await _calls.GetJsonAsync(ListUrl(options), token: null, IterationStreamingJson.GenerationList, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Generations)
            {
                yield return item;
            }

            if (page.NextCursor is not { } next)
            {
                yield break;
            }

            // A cursor sent twice would list the same pages forever.
            if (!seen.Add(next))
            {
                throw new IterationApiException("The server sent a list cursor it had sent before; the listing stopped rather than loop.");
            }

            options = options with { Cursor = next };
            try
            {
                options.Check();
            }
            catch (ArgumentException e)
            {
                throw new IterationApiException("The server sent a list cursor the client cannot send back (empty, too long or not printable ASCII).", e);
            }
        }
    }

    private Uri ListUrl(GenerationListOptions options)
    {
        var query = new StringBuilder("?owner=me");
        if (options.Status is not null)
        {
            query.Append("&status=").Append(options.Status);
        }

        if (options.Limit is { } limit)
        {
            query.Append("&limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
        }

        if (options.Cursor is not null)
        {
            query.Append("&cursor=").Append(Uri.EscapeDataString(options.Cursor));
        }

        return new Uri(_group + query);
    }
}
