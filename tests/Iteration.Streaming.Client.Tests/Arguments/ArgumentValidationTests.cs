using Iteration.Streaming.Client.Tests.Infrastructure;

namespace Iteration.Streaming.Client.Tests.Arguments;

/// <summary>
/// Bad arguments to every public method are refused before any request is sent, with an ArgumentException-family
/// error. The client points at a port where nothing listens: a request that did go out would fail differently.
/// </summary>
public sealed class ArgumentValidationTests : IDisposable
{
    private static readonly GenerationHandle Handle = new(TestEvents.NewId(), "token");
    private readonly HttpClient _http = new() { BaseAddress = Watching.WatchCancellationTests.ClosedPort() };
    private readonly IterationClient _client;

    public ArgumentValidationTests() => _client = new IterationClient(_http);

    public void Dispose() => _http.Dispose();

    public static TheoryData<string?> NullEmptyOrBlank => [null, string.Empty, " ", "\t\n"];

    [Fact]
    public void Constructor_NullHttpClient_ThrowsArgumentNullException()
    {
        var act = () => new IterationClient(null!);

        act.Should().Throw<ArgumentNullException>().WithParameterName("httpClient");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("file:///tmp/")]
    public void Constructor_BaseAddressMissingOrNotHttp_ThrowsArgumentException(string? address)
    {
        using var http = new HttpClient();
        if (address is not null)
        {
            http.BaseAddress = new Uri(address);
        }

        var act = () => new IterationClient(http);

        act.Should().Throw<ArgumentException>().WithParameterName("httpClient");
    }

    [Theory]
    [MemberData(nameof(NullEmptyOrBlank))]
    public async Task StartAsync_PromptNullEmptyOrBlank_ThrowsArgumentException(string? prompt)
    {
        var act = () => _client.StartAsync(prompt!);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("prompt");
    }

    [Theory]
    [MemberData(nameof(NullEmptyOrBlank))]
    public async Task StartAsync_EntityNullEmptyOrBlank_ThrowsArgumentExceptionNamingItsIndex(string? entity)
    {
        var act = () => _client.StartAsync("x", ["User", entity!]);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("index 1");
    }

    [Theory]
    [MemberData(nameof(NullEmptyOrBlank))]
    public async Task IterateAsync_ParentNullEmptyOrBlank_ThrowsArgumentException(string? parent)
    {
        var act = () => _client.IterateAsync(parent!, "x");

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("parentGenerationId");
    }

    [Theory]
    [MemberData(nameof(NullEmptyOrBlank))]
    public async Task IterateAsync_ModificationPromptNullEmptyOrBlank_ThrowsArgumentException(string? prompt)
    {
        var act = () => _client.IterateAsync(TestEvents.NewId(), prompt!);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("modificationPrompt");
    }

    [Fact]
    public void WatchAsync_NullHandle_ThrowsBeforeEnumerating()
    {
        var act = () => _client.WatchAsync((GenerationHandle)null!);

        act.Should().Throw<ArgumentNullException>().WithParameterName("handle");
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public void WatchAsync_NegativeLastEventId_ThrowsBeforeEnumerating(long lastEventId)
    {
        ((Action)(() => _client.WatchAsync(Handle, lastEventId))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(lastEventId));
        ((Action)(() => _client.WatchAsync(Handle.GenerationId, Handle.Token, lastEventId))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(lastEventId));
    }

    [Theory]
    [MemberData(nameof(GenerationHandleTests.HostileIds), MemberType = typeof(GenerationHandleTests))]
    public void WatchAsync_HostileGenerationId_ThrowsBeforeEnumerating(string? id)
    {
        var act = () => _client.WatchAsync(id!, "token");

        act.Should().Throw<ArgumentException>().WithParameterName("generationId");
    }

    [Theory]
    [MemberData(nameof(GenerationHandleTests.HostileTokens), MemberType = typeof(GenerationHandleTests))]
    public void WatchAsync_HostileToken_ThrowsBeforeEnumerating(string? token)
    {
        var act = () => _client.WatchAsync(TestEvents.NewId(), token!);

        act.Should().Throw<ArgumentException>().WithParameterName(nameof(token));
    }

    [Fact]
    public async Task HandleMethods_NullHandle_ThrowArgumentNullException()
    {
        await FluentActions.Awaiting(() => _client.GetSnapshotAsync(null!)).Should().ThrowAsync<ArgumentNullException>().WithParameterName("handle");
        await FluentActions.Awaiting(() => _client.ListFilesAsync(null!)).Should().ThrowAsync<ArgumentNullException>().WithParameterName("handle");
        await FluentActions.Awaiting(() => _client.DownloadFileAsync(null!, "a.txt")).Should().ThrowAsync<ArgumentNullException>().WithParameterName("handle");
        await FluentActions.Awaiting(() => _client.DownloadArchiveAsync(null!)).Should().ThrowAsync<ArgumentNullException>().WithParameterName("handle");
        await FluentActions.Awaiting(() => _client.CancelAsync(null!)).Should().ThrowAsync<ArgumentNullException>().WithParameterName("handle");
        await FluentActions.Awaiting(() => _client.RetryAsync(null!)).Should().ThrowAsync<ArgumentNullException>().WithParameterName("handle");
        await FluentActions.Awaiting(() => _client.IterateAsync((GenerationHandle)null!, "x")).Should().ThrowAsync<ArgumentNullException>().WithParameterName("parent");
    }

    [Theory]
    [MemberData(nameof(NullEmptyOrBlank))]
    public async Task IterateAsync_HandleWithAModificationPromptNullEmptyOrBlank_ThrowsArgumentException(string? prompt)
    {
        var act = () => _client.IterateAsync(Handle, prompt!);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("modificationPrompt");
    }

    [Theory]
    [MemberData(nameof(NullEmptyOrBlank))]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("..")]
    [InlineData("../archive")]
    [InlineData("a/../../archive")]
    [InlineData("./a")]
    [InlineData("a/./b")]
    public async Task DownloadFileAsync_PathNotARelativeFilePath_ThrowsArgumentException(string? path)
    {
        var act = () => _client.DownloadFileAsync(Handle, path!);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("path");
    }
}
