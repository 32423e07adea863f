using System.Net;
using System.Text;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>Bad start and iterate bodies are refused with Problem Details before the engine sees them; never 500.</summary>
public sealed class StartValidationTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(o =>
        {
            o.MaxPromptLength = 100;
            o.MaxEntities = 3;
            o.MaxEntityNameLength = 10;
        });
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<HttpResponseMessage> PostAsync(string path, string body, string contentType = "application/json") =>
        _client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

    /// <summary>
    /// Posts an iterate body whose "PARENT" stands for a finished generation, with that generation's control token: the
    /// body's fields are checked once the caller may act on the parent.
    /// </summary>
    private async Task<HttpResponseMessage> PostIterateOnAParentAsync(string body)
    {
        var parent = await _host.StartGenerationAsync(_client);
        using (var stream = await _client.GetStreamAsync(parent.GenerationId, parent.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "generations/iterate")
        {
            Content = new StringContent(body.Replace("PARENT", parent.GenerationId, StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", parent.ControlToken);
        return await _client.SendAsync(request);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"prompt\":")]
    [InlineData("{\"prompt\":\"x\"} trailing")]
    [InlineData("{\"prompt\":\"x\",}")]
    [InlineData("{'prompt':'x'}")]
    [InlineData("[]")]
    [InlineData("\"prompt\"")]
    [InlineData("42")]
    [InlineData("{\"prompt\":5}")]
    [InlineData("{\"prompt\":{\"nested\":true}}")]
    [InlineData("{\"prompt\":\"x\",\"entities\":\"User\"}")]
    [InlineData("{\"prompt\":\"x\",\"entities\":[1,2]}")]
    [InlineData("{\"prompt\":\"x\" /* comment */}")]
    [InlineData("{\"prompt\":\"\\ud800\"}")]
    public async Task Start_MalformedJsonOrWrongTypes_Answers400(string body)
    {
        using var response = await PostAsync("generations", body);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("JSON");
    }

    [Fact]
    public async Task Start_InvalidUtf8_Answers400()
    {
        var content = new ByteArrayContent([(byte)'{', (byte)'"', (byte)'p', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}']);
        content.Headers.ContentType = new("application/json");

        using var response = await _client.PostAsync("generations", content);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Start_DeeplyNestedJson_Answers400()
    {
        var body = "{\"prompt\":\"x\",\"extra\":" + new string('[', 1_000) + new string(']', 1_000) + "}";

        using var response = await PostAsync("generations", body);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("null", "null")]
    [InlineData("{}", "'prompt' is required")]
    [InlineData("{\"prompt\":null}", "'prompt' is required")]
    [InlineData("{\"prompt\":\"\"}", "'prompt' must not be empty")]
    [InlineData("{\"prompt\":\"  \\n\\t \"}", "'prompt' must not be empty")]
    [InlineData("{\"prompt\":\"x\",\"entities\":[\"A\",\"B\",\"C\",\"D\"]}", "limit is 3")]
    [InlineData("{\"prompt\":\"x\",\"entities\":[\"\"]}", "entities[0]")]
    [InlineData("{\"prompt\":\"x\",\"entities\":[\"A\",null]}", "entities[1]")]
    [InlineData("{\"prompt\":\"x\",\"entities\":[\"ElevenChars\"]}", "limit is 10")]
    [InlineData("{\"prompt\":\"x\",\"entities\":[\"Us\\u0000er\"]}", "U+0000")]
    public async Task Start_MissingOrInvalidFields_Answers400NamingTheProblem(string body, string detail)
    {
        using var response = await PostAsync("generations", body);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain(detail);
    }

    [Fact]
    public async Task Start_PromptOverTheLimit_Answers400NamingTheLimit()
    {
        using var response = await PostAsync("generations", $"{{\"prompt\":\"{new string('x', 101)}\"}}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("101 characters").And.Contain("limit is 100");
    }

    [Fact]
    public async Task Start_OversizedBody_Answers413()
    {
        using var response = await PostAsync("generations", $"{{\"prompt\":\"{new string('x', 1_000_000)}\"}}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Should().Contain("bytes");
    }

    [Fact]
    public async Task Start_OversizedChunkedBody_Answers413()
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($"{{\"prompt\":\"{new string('x', 1_000_000)}\"}}")));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data")]
    public async Task Start_NotJson_Answers415(string contentType)
    {
        using var response = await PostAsync("generations", "{\"prompt\":\"x\"}", contentType);

        (await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType)).Should().Contain("application/json");
    }

    [Fact]
    public async Task Start_NoBodyAtAll_Answers415()
    {
        using var response = await _client.PostAsync("generations", null);

        await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("{}", "'parent_generation_id' is required")]
    [InlineData("{\"parent_generation_id\":\"\"}", "'parent_generation_id' is required")]
    [InlineData("{\"parent_generation_id\":\"no pe\",\"modification_prompt\":\"x\"}", "'parent_generation_id' must be a generation id")]
    [InlineData("{\"parent_generation_id\":\"../../etc\",\"modification_prompt\":\"x\"}", "'parent_generation_id' must be a generation id")]
    [InlineData("{\"parent_generation_id\":42,\"modification_prompt\":\"x\"}", "JSON")]
    [InlineData("{\"parent_generation_id\":\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\",\"modification_prompt\":[\"x\"]}", "JSON")]
    public async Task Iterate_MissingOrInvalidFields_Answers400NamingTheProblem(string body, string detail)
    {
        using var response = await PostAsync("generations/iterate", body);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain(detail);
    }

    [Theory]
    [InlineData("{\"parent_generation_id\":\"PARENT\"}", "'modification_prompt' is required")]
    [InlineData("{\"parent_generation_id\":\"PARENT\",\"modification_prompt\":\" \"}", "'modification_prompt' must not be empty")]
    public async Task Iterate_AuthorisedWithAMissingOrEmptyPrompt_Answers400NamingTheProblem(string body, string detail)
    {
        using var response = await PostIterateOnAParentAsync(body);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain(detail);
    }

    [Fact]
    public async Task Iterate_AuthorisedWithAModificationPromptOverTheLimit_Answers400()
    {
        using var response = await PostIterateOnAParentAsync($"{{\"parent_generation_id\":\"PARENT\",\"modification_prompt\":\"{new string('x', 101)}\"}}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("limit is 100");
    }

    [Fact]
    public async Task Iterate_OversizedBody_Answers413()
    {
        using var response = await PostAsync("generations/iterate", $"{{\"modification_prompt\":\"{new string('x', 1_000_000)}\"}}");

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Start_ProblemResponses_AreNotCached()
    {
        using var response = await PostAsync("generations", "{}");

        response.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    [Fact]
    public async Task Start_RandomGarbageBodies_NeverAnswer500()
    {
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new("application/json");

            using var response = await _client.PostAsync(i % 2 == 0 ? "generations" : "generations/iterate", content);

            ((int)response.StatusCode).Should().BeInRange(400, 499, $"garbage body {i}");
        }
    }
}
