using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// Middleware in front of the sample that can take the network away from event streams: <see cref="GoOffline"/> aborts
/// every open stream connection (a TCP reset, as when Wi-Fi drops) and every new one until <see cref="GoOnline"/>.
/// It also records each stream request: the <c>Last-Event-ID</c> it resumed from and the status it got; a generation's
/// own streams in <see cref="Requests"/>, the multiplexed one (<c>/generations/stream</c>: the list's) apart.
/// </summary>
public sealed class StreamDropper : IStartupFilter
{
    private readonly ConcurrentDictionary<HttpContext, byte> _live = new();
    private volatile bool _offline;

    public ConcurrentQueue<StreamRequest> Requests { get; } = new();

    /// <summary>The requests for the multiplexed stream (<c>GenerationId</c> is empty: it follows many).</summary>
    public ConcurrentQueue<StreamRequest> MultiplexedRequests { get; } = new();

    public void GoOffline()
    {
        _offline = true;
        foreach (var context in _live.Keys)
        {
            context.Abort();
        }
    }

    public void GoOnline() => _offline = false;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(HandleAsync);
        next(app);
    };

    private async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (!path.EndsWith("/stream", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        // "/generations/{id}/stream" is a generation's own; "/generations/stream" the multiplexed one.
        var segments = path.Split('/');
        var multiplexed = segments.Length == 3;
        var request = new StreamRequest(
            multiplexed ? string.Empty : segments[2],
            context.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header : context.Request.Query["lastEventId"].ToString());
        (multiplexed ? MultiplexedRequests : Requests).Enqueue(request);

        // Registered before the offline check, so GoOffline either sees this connection or this request sees the flag.
        _live[context] = 0;
        try
        {
            if (_offline)
            {
                request.Dropped = true;
                context.Abort();
                return;
            }

            // Recorded before the headers leave, so a test that saw the browser react can read it.
            context.Response.OnStarting(() =>
            {
                request.StatusCode = context.Response.StatusCode;
                return Task.CompletedTask;
            });
            await next(context);
            request.StatusCode = context.Response.StatusCode;
            request.Dropped = context.RequestAborted.IsCancellationRequested;
        }
        finally
        {
            _live.TryRemove(context, out _);
        }
    }
}

/// <summary>One request for a generation's event stream, as the server saw it.</summary>
public sealed record StreamRequest(string GenerationId, string LastEventId)
{
    private volatile int _statusCode;
    private volatile bool _dropped;

    public int? StatusCode
    {
        get => _statusCode == 0 ? null : _statusCode;
        set => _statusCode = value ?? 0;
    }

    public bool Dropped
    {
        get => _dropped;
        set => _dropped = value;
    }
}
