using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// <c>GET {prefix}/{id}/files/{path}</c> with conditional and range headers, well-formed and not: every answer (200,
/// 206, 304, 416) keeps the headers that stop a generated file from running or being embedded.
/// </summary>
public sealed class FileConditionalRequestTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private const string Path = "phase1/File1.cs";

    private KestrelTestHost Host => fixture.Host;

    [Fact]
    public async Task GetFile_WithoutConditions_Answers200WithAStrongETagAndAcceptRanges()
    {
        var file = await CompletedFileAsync();

        using var response = await SendAsync(file);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be(file.Content);
        response.Headers.ETag!.IsWeak.Should().BeFalse();
        response.Headers.ETag.Tag.Should().MatchRegex("^\"[0-9a-f]{64}\"$");
        response.Headers.AcceptRanges.Should().Equal("bytes");
        response.Content.Headers.ContentLength.Should().Be(Encoding.UTF8.GetByteCount(file.Content));
        ShouldCarryTheFileHeaders(response);
    }

    [Fact]
    public async Task GetFile_IfNoneMatchListingItsETag_Answers304WithNoBodyAndTheFileHeaders()
    {
        var file = await CompletedFileAsync();
        var etag = await ETagAsync(file);

        using var response = await SendAsync(file, r =>
        {
            r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
            r.Headers.IfNoneMatch.Add(etag);
        });

        response.StatusCode.Should().Be(HttpStatusCode.NotModified);
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
        response.Headers.ETag.Should().Be(etag);
        ShouldCarryTheFileHeaders(response);
    }

    [Fact]
    public async Task GetFile_IfNoneMatchWithTheWeakFormOfItsETag_Answers304()
    {
        var file = await CompletedFileAsync();
        var etag = await ETagAsync(file);

        using var response = await SendAsync(file, r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag.Tag, isWeak: true)));

        response.StatusCode.Should().Be(HttpStatusCode.NotModified, "If-None-Match compares weakly (RFC 9110 13.1.2)");
    }

    [Fact]
    public async Task GetFile_IfNoneMatchOtherETag_Answers200WithTheBytes()
    {
        var file = await CompletedFileAsync();

        using var response = await SendAsync(file, r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"0000\"")));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be(file.Content);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("\"unterminated")]
    [InlineData("W/")]
    [InlineData(",,,")]
    public async Task GetFile_MalformedIfNoneMatch_Answers200WithTheBytes(string ifNoneMatch)
    {
        var file = await CompletedFileAsync();

        using var response = await SendAsync(file, r => r.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be(file.Content);
    }

    [Fact]
    public async Task GetFile_OversizedIfNoneMatch_IsAnsweredWithoutA500()
    {
        var file = await CompletedFileAsync();
        var huge = string.Join(", ", Enumerable.Range(0, 500).Select(i => $"\"{i:x64}\""));

        using var response = await SendAsync(file, r => r.Headers.TryAddWithoutValidation("If-None-Match", huge));

        ((int)response.StatusCode).Should().BeOneOf([200, 431]);
    }

    [Fact]
    public async Task GetFile_WithARange_Answers206WithThoseBytesAndTheFileHeaders()
    {
        var file = await CompletedFileAsync();
        var length = Encoding.UTF8.GetByteCount(file.Content);

        using var response = await SendAsync(file, r => r.Headers.Range = new RangeHeaderValue(3, 7));

        response.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        (await response.Content.ReadAsStringAsync()).Should().Be(file.Content[3..8]);
        response.Content.Headers.ContentRange!.ToString().Should().Be($"bytes 3-7/{length}");
        response.Content.Headers.ContentType!.ToString().Should().Be("text/plain; charset=utf-8");
        ShouldCarryTheFileHeaders(response);
    }

    [Fact]
    public async Task GetFile_WithARangePastTheEnd_Answers416WithTheLength()
    {
        var file = await CompletedFileAsync();
        var length = Encoding.UTF8.GetByteCount(file.Content);

        using var response = await SendAsync(file, r => r.Headers.Range = new RangeHeaderValue(length + 10, length + 20));

        response.StatusCode.Should().Be(HttpStatusCode.RequestedRangeNotSatisfiable);
        response.Content.Headers.ContentRange!.ToString().Should().Be($"bytes */{length}");
        ShouldCarryTheFileHeaders(response);
    }

    [Theory]
    [InlineData("bytes=abc")]
    [InlineData("bytes=5-2")]
    [InlineData("bytes=-")]
    [InlineData("bytes=0-1,2-3")]
    public async Task GetFile_MalformedOrMultipleRanges_Answers200WithTheWholeFile(string range)
    {
        var file = await CompletedFileAsync();

        using var response = await SendAsync(file, r => r.Headers.TryAddWithoutValidation("Range", range));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be(file.Content);
    }

    [Fact]
    public async Task GetFile_IfRangeWithAnotherETag_Answers200WithTheWholeFile()
    {
        var file = await CompletedFileAsync();

        using var response = await SendAsync(file, r =>
        {
            r.Headers.Range = new RangeHeaderValue(0, 1);
            r.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"0000\""));
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK, "the client's partial copy is of another version");
        (await response.Content.ReadAsStringAsync()).Should().Be(file.Content);
    }

    [Fact]
    public async Task GetFile_IfMatchOtherETag_Answers412()
    {
        var file = await CompletedFileAsync();

        using var response = await SendAsync(file, r => r.Headers.IfMatch.Add(new EntityTagHeaderValue("\"0000\"")));

        response.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        ShouldCarryTheFileHeaders(response);
    }

    private static void ShouldCarryTheFileHeaders(HttpResponseMessage response)
    {
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        response.Headers.GetValues("Cross-Origin-Resource-Policy").Should().Equal("same-origin");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("sandbox");
        response.Headers.GetValues("Referrer-Policy").Should().Equal("no-referrer");
        response.Headers.CacheControl!.Private.Should().BeTrue();
        response.Headers.CacheControl.NoCache.Should().BeTrue();
    }

    private async Task<CompletedFile> CompletedFileAsync()
    {
        var client = fixture.Client;
        var started = await Host.StartGenerationAsync(client);
        using (var stream = await client.GetStreamAsync(started.GenerationId, started.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        return new CompletedFile(client, $"generations/{started.GenerationId}/files/{Path}", started.SseToken, InstantPhaseGenerator.ContentOf(started.GenerationId, 1, 1));
    }

    private async Task<EntityTagHeaderValue> ETagAsync(CompletedFile file)
    {
        using var response = await SendAsync(file);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return response.Headers.ETag!;
    }

    private static async Task<HttpResponseMessage> SendAsync(CompletedFile file, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, file.Url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", file.Token);
        configure?.Invoke(request);
        return await file.Client.SendAsync(request);
    }

    private sealed record CompletedFile(HttpClient Client, string Url, string Token, string Content);
}
