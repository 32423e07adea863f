using System.Net;
using System.Reflection;
using System.Text.Json;
using Iteration.Streaming.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AspNetCore.Tests.Http;

/// <summary>
/// An exception the endpoints do not expect becomes a 500 Problem Details with a generic detail and a reference; its
/// message (here a connection string with a password) reaches only the server's log.
/// </summary>
public sealed class UnexpectedErrorTests : IAsyncLifetime
{
    private const string Secret = "Password=hunter2";

    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureStreaming: b =>
        {
            b.Services.RemoveAll<IFileSink>();
            b.Services.AddSingleton(ThrowingProxy.Create<IFileSink>());
            b.AddGenerationOwnerResolver(context => context.Request.Headers.ContainsKey("X-Break")
                ? throw new InvalidOperationException($"Resolver failed: Server=users;{Secret}")
                : ValueTask.FromResult<string?>(null));
        });
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string> ReadsThatTouchTheSink => ["", "/files", "/files/src/App.cs", "/archive"];

    private async Task<(HttpResponseMessage Response, string Body)> GetAsync(string suffix)
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{id}{suffix}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var response = await _client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(ReadsThatTouchTheSink))]
    public async Task Read_SinkThrowsWithASecret_Answers500WithAGenericProblem(string suffix)
    {
        var (response, body) = await GetAsync(suffix);
        using (response)
        {
            var detail = await response.ShouldBeProblemAsync(HttpStatusCode.InternalServerError);

            detail.Should().Contain("server's log").And.NotContain("hunter2").And.NotContain("InvalidOperationException");
            body.Should().NotContain("hunter2").And.NotContain("   at ", "no stack trace");
            response.Headers.Concat(response.Content.Headers).SelectMany(h => h.Value).Should().NotContain(v => v.Contains("hunter2", StringComparison.Ordinal));
            response.Headers.CacheControl!.NoStore.Should().BeTrue();
        }
    }

    [Fact]
    public async Task Read_SinkThrows_TheReferenceInTheBodyFindsTheLogRecordWithTheDetails()
    {
        var (response, body) = await GetAsync("/files");
        using var json = JsonDocument.Parse(body);
        var reference = json.RootElement.GetProperty("traceId").GetString();

        response.Dispose();
        reference.Should().NotBeNullOrWhiteSpace();
        json.RootElement.GetProperty("detail").GetString().Should().Contain(reference);
        var logged = _host.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Error && r.Message.Contains(reference!, StringComparison.Ordinal)).ToList();
        logged.Should().ContainSingle().Which.Exception!.Message.Should().Contain(Secret, "the details belong in the server's log");
    }

    [Fact]
    public async Task Start_OwnerResolverThrowsWithASecret_Answers500WithoutIt()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations")
        {
            Content = new StringContent("{\"prompt\":\"x\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Break", "1");

        using var response = await _client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.InternalServerError)).Should().NotContain("hunter2");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("hunter2");
    }

    [Fact]
    public async Task Cancel_OwnerResolverThrowsWithASecret_Answers500WithoutIt()
    {
        var (id, _) = await _host.CreateGenerationLogAsync();
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"generations/{id}");
        request.Headers.Add("X-Break", "1");

        using var response = await _client.SendAsync(request);

        (await response.Content.ReadAsStringAsync()).Should().NotContain("hunter2");
        await response.ShouldBeProblemAsync(HttpStatusCode.InternalServerError);
    }

    /// <summary>Implements any interface by throwing an exception whose message carries a secret, whatever is called.</summary>
    public class ThrowingProxy : DispatchProxy
    {
        public static T Create<T>()
            where T : class => Create<T, ThrowingProxy>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            throw new InvalidOperationException($"Cannot open the manifest store: Server=files;User Id=app;{Secret}");
    }
}
