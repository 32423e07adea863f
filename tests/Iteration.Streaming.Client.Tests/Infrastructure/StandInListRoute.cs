using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Iteration.Streaming.AspNetCore.Security;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>
/// <c>MapIterationStream()</c>, plus a stand-in for <c>GET /generations?owner=me</c> while the AspNetCore package has no
/// list route: the documented rules (401 anonymous, 400 naming owner/limit/status/cursor) over the real engine's
/// <c>ListGenerationsAsync</c>, with an unsigned cursor. Once the package maps the route, the stand-in is not mapped
/// and the tests run against the real one.
/// </summary>
public static class StandInListRoute
{
    public static void MapIterationStreamWithList(this WebApplication app)
    {
        app.MapIterationStream();
        if (!HasListRoute(app))
        {
            app.MapGet("/generations", (Delegate)ListAsync);
        }
    }

    /// <summary>True when <c>MapIterationStream()</c> maps <c>GET /generations</c> itself.</summary>
    public static bool HasListRoute(IEndpointRouteBuilder app) =>
        app.DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .Any(e => e.RoutePattern.RawText?.Trim('/') == "generations"
                && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true);

    private static async Task<IResult> ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var user = await context.RequestServices.GetRequiredService<IGenerationOwnerResolver>().GetUserIdAsync(context);
        if (string.IsNullOrEmpty(user))
        {
            return Results.Problem(statusCode: 401, detail: "Listing generations needs a signed-in user.");
        }

        if (query["owner"] != "me")
        {
            return Results.Problem(statusCode: 400, detail: "owner must be 'me'.");
        }

        var limit = 20;
        if (query.ContainsKey("limit") && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            return Results.Problem(statusCode: 400, detail: "limit must be an integer from 1 to 100.");
        }

        string? status = query.ContainsKey("status") ? query["status"].ToString() : null;
        if (status is not null && !GenerationListOptions.IsStatus(status))
        {
            return Results.Problem(statusCode: 400, detail: "status must be a generation status.");
        }

        GenerationRecordPosition? after = null;
        if (query.ContainsKey("cursor") && (after = ReadCursor(query["cursor"].ToString(), user, status)) is null)
        {
            return Results.Problem(statusCode: 400, detail: "The cursor is not valid for this list");
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var page = await engine.ListGenerationsAsync(new GenerationRecordQuery { UserId = user, Status = status, Limit = limit, After = after }, context.RequestAborted);
        var list = new GenerationList { Generations = page.Items, NextCursor = page.Next is { } next ? WriteCursor(next, user, status) : null };
        return Results.Json(list, IterationStreamingJson.GenerationList);
    }

    private static string WriteCursor(GenerationRecordPosition position, string user, string? status) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{position.CreatedAt.ToUnixTimeMilliseconds()}|{position.GenerationId}|{user}|{status}"));

    private static GenerationRecordPosition? ReadCursor(string cursor, string user, string? status)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
            return parts.Length == 4 && parts[2] == user && parts[3] == (status ?? string.Empty) && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ms)
                ? new GenerationRecordPosition(DateTimeOffset.FromUnixTimeMilliseconds(ms), parts[1])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
