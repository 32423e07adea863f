using System.Net;
using System.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// Generated clients percent-encode the '/' of the file path (<c>src%2Fapp.py</c>), which the server leaves encoded:
/// the endpoint reads <c>%2F</c> as the separator it stands for, and checks the path after.
/// </summary>
public sealed class FilePathEncodedSlashTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;
    private Iteration.Streaming.Contracts.GenerationStartedResponse _generation = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync();
        _client = _host.CreateClient();
        _generation = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(_generation.GenerationId, _generation.SseToken);
        await stream.ReadAllEventsAsync().WithPatience();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<HttpResponseMessage> GetAsync(string encodedPath)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{_generation.GenerationId}/files/{encodedPath}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _generation.SseToken);
        return _client.SendAsync(request);
    }

    [Theory]
    [InlineData("phase1%2FFile1.cs")]
    [InlineData("phase1%2fFile1.cs")]
    [InlineData("phase1/File1.cs")]
    public async Task GetFile_SlashSentEncodedOrPlain_AnswersTheFile(string encodedPath)
    {
        using var response = await GetAsync(encodedPath);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be(InstantPhaseGenerator.ContentOf(_generation.GenerationId, 1, 1));
    }

    [Theory]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("phase1%2F..%2F..%2Fsecret")]
    [InlineData("%2Fphase1%2FFile1.cs")]
    [InlineData("phase1%2F%2FFile1.cs")]
    public async Task GetFile_EncodedSlashFormingAnUnsafePath_Answers400(string encodedPath)
    {
        using var response = await GetAsync(encodedPath);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }
}
