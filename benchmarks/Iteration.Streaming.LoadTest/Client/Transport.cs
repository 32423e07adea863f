using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>How the load generator holds its streams.</summary>
internal enum Transport
{
    /// <summary>One HTTP/1.1 connection per stream, raw sockets (<see cref="LoadClient"/>): every scenario but h2 uses only this.</summary>
    Http11,

    /// <summary>HTTP/2 without TLS (prior knowledge), many streams per connection, through <see cref="HttpClient"/>.</summary>
    H2c,

    /// <summary>One HTTP/1.1 connection per stream through <see cref="HttpClient"/>: the h2c client's cost without HTTP/2.</summary>
    Http11Client,
}

internal static class Transports
{
    public static string Title(Transport transport) => transport switch
    {
        Transport.Http11 => "HTTP/1.1",
        Transport.H2c => $"h2c, {LoadServer.StreamsPerHttp2Connection} streams per connection",
        Transport.Http11Client => "HTTP/1.1 through HttpClient",
        _ => transport.ToString(),
    };

    /// <summary>A client of <paramref name="server"/> over <paramref name="transport"/>.</summary>
    public static IStreamClient Client(Transport transport, ServerProcess server, ScenarioMetrics metrics) => transport switch
    {
        Transport.Http11 => new LoadClient(server, metrics),
        Transport.H2c => new HttpStreamClient(server, metrics, http2: true),
        _ => new HttpStreamClient(server, metrics, http2: false),
    };
}
