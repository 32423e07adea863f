using System.Net;
using System.Text;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;

/// <summary>
/// The HTTP transport of a test's blob client, in front of Azurite: it answers chosen requests itself with a service
/// error (as an overloaded or failing storage service does: status, <c>x-ms-error-code</c> and the XML error body),
/// fails them as a dropped connection would, or holds them until the test releases them. Everything else reaches Azurite.
/// </summary>
public sealed class FaultInjectingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly List<Rule> _rules = [];
    private readonly List<string> _requests = [];

    /// <summary>Every request seen, as <c>METHOD /path?query</c>.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToArray();
            }
        }
    }

    public static bool IsContentUpload(HttpRequestMessage request) =>
        request.Method == HttpMethod.Put && Path(request).Contains("/content/", StringComparison.Ordinal) && !Query(request).Contains("comp=", StringComparison.Ordinal);

    public static bool IsContentTouch(HttpRequestMessage request) =>
        request.Method == HttpMethod.Put && Path(request).Contains("/content/", StringComparison.Ordinal) && Query(request).Contains("comp=metadata", StringComparison.Ordinal);

    public static bool IsContentDownload(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get && Path(request).Contains("/content/", StringComparison.Ordinal);

    public static bool IsContentDelete(HttpRequestMessage request) =>
        request.Method == HttpMethod.Delete && Path(request).Contains("/content/", StringComparison.Ordinal);

    public static bool IsManifestWrite(HttpRequestMessage request) =>
        request.Method == HttpMethod.Put && Path(request).EndsWith("/manifest.json", StringComparison.Ordinal);

    public static bool IsIntentWrite(HttpRequestMessage request) =>
        request.Method == HttpMethod.Put && Path(request).Contains("/intents/", StringComparison.Ordinal);

    /// <summary>Answers the next <paramref name="times"/> matching requests with <paramref name="status"/> and <paramref name="errorCode"/>.</summary>
    public void Fail(Func<HttpRequestMessage, bool> match, HttpStatusCode status, string errorCode, int times = 1, int skip = 0) =>
        Add(new Rule(match, times, skip) { Status = status, ErrorCode = errorCode });

    /// <summary>Fails the next <paramref name="times"/> matching requests as a reset connection.</summary>
    public void Disconnect(Func<HttpRequestMessage, bool> match, int times = 1) => Add(new Rule(match, times, 0) { Disconnects = true });

    /// <summary>Flips one byte of the next matching request's body on its way, as a faulty network would.</summary>
    public void Corrupt(Func<HttpRequestMessage, bool> match) => Add(new Rule(match, 1, 0) { Corrupts = true });

    /// <summary>
    /// Holds the next matching request before it reaches Azurite: <see cref="Hold.Arrived"/> completes when it comes,
    /// and it goes on when the test calls <see cref="Hold.Release"/>.
    /// </summary>
    public Hold HoldNext(Func<HttpRequestMessage, bool> match)
    {
        var hold = new Hold();
        Add(new Rule(match, 1, 0) { Hold = hold });
        return hold;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_requests)
        {
            _requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
        }

        Rule? rule;
        lock (_rules)
        {
            rule = _rules.FirstOrDefault(r => r.Remaining > 0 && r.Match(request) && r.Take());
        }

        if (rule?.Hold is { } hold)
        {
            hold.Arrive();
            await hold.Released.WaitAsync(cancellationToken);
        }
        else if (rule?.Disconnects == true)
        {
            throw new HttpRequestException("The connection was reset (injected by the test).");
        }
        else if (rule?.Corrupts == true)
        {
            var bytes = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            bytes[0] ^= 0xFF;
            var corrupted = new ByteArrayContent(bytes);
            foreach (var header in request.Content.Headers)
            {
                corrupted.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            request.Content = corrupted;
        }
        else if (rule is not null)
        {
            var body = $"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{rule.ErrorCode}</Code><Message>Injected by the test.</Message></Error>";
            var response = new HttpResponseMessage(rule.Status)
            {
                RequestMessage = request,
                Content = new StringContent(body, Encoding.UTF8, "application/xml"),
            };
            response.Headers.Add("x-ms-error-code", rule.ErrorCode);
            response.Headers.Add("x-ms-request-id", Guid.NewGuid().ToString());
            return response;
        }

        return await base.SendAsync(request, cancellationToken);
    }

    private static string Path(HttpRequestMessage request) => request.RequestUri!.AbsolutePath;

    private static string Query(HttpRequestMessage request) => request.RequestUri!.Query;

    private void Add(Rule rule)
    {
        lock (_rules)
        {
            _rules.Add(rule);
        }
    }

    public sealed class Hold
    {
        private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Arrived => _arrived.Task;

        internal Task Released => _released.Task;

        public void Release() => _released.TrySetResult();

        internal void Arrive() => _arrived.TrySetResult();
    }

    private sealed class Rule(Func<HttpRequestMessage, bool> match, int times, int skip)
    {
        private int _skip = skip;

        public Func<HttpRequestMessage, bool> Match { get; } = match;

        public int Remaining { get; private set; } = times;

        public HttpStatusCode Status { get; init; }

        public string ErrorCode { get; init; } = string.Empty;

        public bool Disconnects { get; init; }

        public bool Corrupts { get; init; }

        public Hold? Hold { get; init; }

        /// <summary>Counts a match: the first <c>skip</c> matches pass, the next ones are taken.</summary>
        public bool Take()
        {
            if (_skip > 0)
            {
                _skip--;
                return false;
            }

            Remaining--;
            return true;
        }
    }
}
