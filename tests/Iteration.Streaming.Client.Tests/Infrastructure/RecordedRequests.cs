using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>
/// The requests a test host received, as it read them (method, path and query, <c>Authorization</c>, the test user
/// header, body), before its endpoints run.
/// </summary>
public sealed class RecordedRequests
{
    /// <summary>The header the test hosts' owner resolvers read the user from.</summary>
    public const string UserHeader = "X-Test-User";

    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    public IReadOnlyList<RecordedRequest> All => [.. _requests];

    public RecordedRequest Last(string method, string pathStart) =>
        All.Last(r => r.Method == method && r.PathAndQuery.StartsWith(pathStart, StringComparison.Ordinal));

    /// <summary>Records every request, then hands it on.</summary>
    public void Use(WebApplication app) =>
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            context.Request.Body.Position = 0;
            _requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.Authorization.ToString(),
                context.Request.Headers[UserHeader].ToString(),
                body));
            await next(context);
        });
}
