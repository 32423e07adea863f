using System.Globalization;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.AspNetCore.Security;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>GET {prefix}?owner=me&amp;status=&amp;limit=&amp;cursor=</c>: the caller's generations, newest first, a page at a
/// time. Mapped only when an owner resolver is registered (otherwise the route does not exist: 404). The caller is the
/// resolver's user, from the host's own pages (<c>Sec-Fetch-Site</c> as for reads by ownership); no token is involved.
/// </summary>
internal sealed class ListEndpoint(ILogger logger, GenerationListCursor cursors)
{
    public const string OwnerQuery = "owner";
    public const string StatusQuery = "status";
    public const string LimitQuery = "limit";
    public const string CursorQuery = "cursor";
    public const string Me = "me";
    public const int DefaultLimit = 20;

    /// <summary>The values of <c>status</c>: every <see cref="GenerationStatus"/>.</summary>
    public static readonly string[] Statuses =
    [
        GenerationStatus.Queued, GenerationStatus.Processing, GenerationStatus.AwaitingInput,
        GenerationStatus.Completed, GenerationStatus.Failed, GenerationStatus.Cancelled,
    ];

    public const string InvalidCursor =
        "The cursor is not valid for this list: 'cursor' must be the next_cursor of the previous page, unchanged, with the same owner and status.";

    public async Task HandleAsync(HttpContext context)
    {
        if (await GenerationAccess.ResolveUserAsync(context).ConfigureAwait(false) is not { } userId)
        {
            await Problems.WriteAsync(
                context, logger, StatusCodes.Status401Unauthorized,
                "Listing generations needs a signed-in user: sign in with the host's authentication (a cookie or a bearer token).").ConfigureAwait(false);
            return;
        }

        if (!GenerationAccess.IsSameOrigin(context.Request))
        {
            await Problems.WriteAsync(
                context, logger, StatusCodes.Status403Forbidden,
                "A user's generations are listed only for the host's own pages: this request came from another site (Sec-Fetch-Site).").ConfigureAwait(false);
            return;
        }

        var error = Check(context.Request, userId, out var parsed);
        if (error is not null || parsed is not { } query)
        {
            await Problems.BadRequest(context, logger, error ?? InvalidCursor).ConfigureAwait(false);
            return;
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var page = await engine.ListGenerationsAsync(query, context.RequestAborted).ConfigureAwait(false);
        var list = new GenerationList
        {
            Generations = page.Items,
            NextCursor = page.Next is { } next ? cursors.Write(next, userId, query.Status) : null,
        };

        // A user's own list: no cache (shared or private) may keep it for the next one signed in on this browser.
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(list, IterationStreamingJson.GenerationList, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Reads the query string: the first error (naming the parameter), or none and the query.</summary>
    private string? Check(HttpRequest request, string userId, out GenerationRecordQuery? query)
    {
        query = null;
        if (Single(request, OwnerQuery, out var owner) is { } ownerError)
        {
            return ownerError;
        }

        if (string.IsNullOrEmpty(owner))
        {
            return "'owner' is required: 'owner=me' lists the signed-in caller's generations (the only list there is).";
        }

        if (!string.Equals(owner, Me, StringComparison.Ordinal))
        {
            return "'owner' must be 'me': only the signed-in caller's own generations can be listed.";
        }

        if (Single(request, StatusQuery, out var status) is { } statusError)
        {
            return statusError;
        }

        if (string.IsNullOrEmpty(status))
        {
            status = null;
        }
        else if (!Statuses.Contains(status, StringComparer.Ordinal))
        {
            return $"'status' must be one of {string.Join(", ", Statuses)}.";
        }

        if (Single(request, LimitQuery, out var limitText) is { } limitError)
        {
            return limitError;
        }

        var limit = DefaultLimit;
        if (!string.IsNullOrEmpty(limitText)
            && (limitText.Length > 3 || !int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > GenerationRecordQuery.MaxLimit))
        {
            return $"'limit' must be an integer from 1 to {GenerationRecordQuery.MaxLimit} (default {DefaultLimit}).";
        }

        if (Single(request, CursorQuery, out var cursor) is { } cursorError)
        {
            return cursorError;
        }

        GenerationRecordPosition? after = null;
        if (!string.IsNullOrEmpty(cursor) && (after = cursors.Read(cursor, userId, status)) is null)
        {
            return InvalidCursor;
        }

        query = new GenerationRecordQuery { UserId = userId, Status = status, Limit = limit, After = after };
        return null;
    }

    private static string? Single(HttpRequest request, string name, out string? value)
    {
        var values = RequestValues.GetQueryValues(request, name);
        value = values.Count == 1 ? values[0] : null;
        return values.Count > 1 ? $"'{name}' must be sent once." : null;
    }
}
