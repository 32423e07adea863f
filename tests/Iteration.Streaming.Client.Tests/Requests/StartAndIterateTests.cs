using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Requests;

/// <summary>Starting generations and iterations: the handle on success, a typed error with the server's reason otherwise.</summary>
public sealed class StartAndIterateTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(o =>
        {
            o.MaxPromptLength = 100;
            o.MaxEntities = 3;
            o.MaxEntityNameLength = 10;
        });
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<IterationApiException> ShouldBeRefusedAsync(Func<Task> act, HttpStatusCode status, string detail)
    {
        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(status);
        thrown.Problem!.Status.Should().Be((int)status);
        thrown.Problem.Detail.Should().Contain(detail);
        thrown.Message.Should().Contain(detail);
        return thrown;
    }

    [Fact]
    public async Task StartAsync_ValidRequest_ReturnsAHandleWithIdTokenAndUrls()
    {
        var handle = await _client.StartAsync("Build a task app", ["User", "Task"]);

        Guid.TryParse(handle.GenerationId, out _).Should().BeTrue();
        handle.Token.Should().NotBeNullOrWhiteSpace();
        handle.ControlToken.Should().NotBeNullOrWhiteSpace().And.NotBe(handle.Token);
        handle.RetryOf.Should().BeNull();
        handle.StreamUrl.Should().Be($"/generations/{handle.GenerationId}/stream");
        handle.StatusUrl.Should().Be($"/generations/{handle.GenerationId}");
        (await _host.Tokens.ValidateAsync(handle.GenerationId, handle.Token)).Should().Be(Security.StreamTokenStatus.Valid);
        (await _host.Tokens.ValidateAsync(handle.GenerationId, handle.Token, Security.StreamTokenScope.Control)).Should().Be(Security.StreamTokenStatus.InsufficientScope);
        (await _host.Tokens.ValidateAsync(handle.GenerationId, handle.ControlToken, Security.StreamTokenScope.Control)).Should().Be(Security.StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task StartAsync_WithoutEntities_StartsARun()
    {
        var handle = await _client.StartAsync("Build a landing page");

        (await _client.WatchAsync(handle).CollectAsync())[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task StartAsync_OversizedPrompt_Throws400NamingTheLimit()
    {
        await ShouldBeRefusedAsync(() => _client.StartAsync(new string('x', 101)), HttpStatusCode.BadRequest, "the limit is 100");
    }

    [Fact]
    public async Task StartAsync_TooManyEntities_Throws400NamingTheLimit()
    {
        await ShouldBeRefusedAsync(() => _client.StartAsync("x", ["A", "B", "C", "D"]), HttpStatusCode.BadRequest, "limit is 3");
    }

    [Theory]
    [InlineData("Entity\u0007")]
    [InlineData("VeryLongEntityName")]
    public async Task StartAsync_EntityTheServerRefuses_Throws400NamingTheEntity(string entity)
    {
        await ShouldBeRefusedAsync(() => _client.StartAsync("x", ["User", entity]), HttpStatusCode.BadRequest, "entities[1]");
    }

    [Fact]
    public async Task StartAsync_PromptWithHostileCharacters_IsSentIntactAsJson()
    {
        var handle = await _client.StartAsync("\"}], \"entities\": [\"Injected\"], \"x\": {\"</script>\u2028\ud83d\ude00");

        var events = await _client.WatchAsync(handle).CollectAsync();

        events.Should().NotContain(e => e.PhaseInfo != null && e.PhaseInfo.Name != null && e.PhaseInfo.Name.Contains("Injected"));
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task IterateAsync_FinishedParent_StartsAnIterationThatCompletes()
    {
        var parent = await _client.StartAsync("Build a task app", ["User"]);
        await _client.WatchAsync(parent).CollectAsync();

        var child = await _client.IterateAsync(parent, "Add due dates");

        child.GenerationId.Should().NotBe(parent.GenerationId);
        (await _client.WatchAsync(child).CollectAsync())[^1].Status.Should().Be(GenerationStatus.Completed);
        (await _client.GetSnapshotAsync(child)).ParentGenerationId.Should().Be(parent.GenerationId);
    }

    [Fact]
    public async Task IterateAsync_UnknownParentWithoutAToken_Throws401NotRevealingIt()
    {
        var unknown = TestEvents.NewId();

        var thrown = await ShouldBeRefusedAsync(() => _client.IterateAsync(unknown, "Add due dates"), HttpStatusCode.Unauthorized, "control_token");

        thrown.Problem!.Detail.Should().NotContain(unknown);
    }

    [Fact]
    public async Task IterateAsync_ParentIdWithoutItsControlToken_Throws401()
    {
        var parent = await _client.StartAsync("Build a task app");
        await _client.WatchAsync(parent).CollectAsync();

        await ShouldBeRefusedAsync(() => _client.IterateAsync(parent.GenerationId, "Add due dates"), HttpStatusCode.Unauthorized, "control_token");
    }

    [Fact]
    public async Task IterateAsync_HandleWithOnlyTheReadToken_Throws403()
    {
        var parent = await _client.StartAsync("Build a task app");
        await _client.WatchAsync(parent).CollectAsync();
        var readOnly = new GenerationHandle(parent.GenerationId, parent.Token);

        await ShouldBeRefusedAsync(() => _client.IterateAsync(readOnly with { ControlToken = parent.Token }, "Add due dates"), HttpStatusCode.Forbidden, "only reads");
        await ShouldBeRefusedAsync(() => _client.IterateAsync(readOnly, "Add due dates"), HttpStatusCode.Unauthorized, "control_token");
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("not a generation id")]
    [InlineData("id%2F..")]
    public async Task IterateAsync_ParentIdThatIsNotAnId_Throws400(string parent)
    {
        await ShouldBeRefusedAsync(() => _client.IterateAsync(parent, "Add due dates"), HttpStatusCode.BadRequest, "parent_generation_id");
    }

    [Fact]
    public async Task IterateAsync_OversizedModificationPrompt_Throws400()
    {
        var parent = await _client.StartAsync("Build a task app");
        await _client.WatchAsync(parent).CollectAsync();

        await ShouldBeRefusedAsync(() => _client.IterateAsync(parent, new string('x', 101)), HttpStatusCode.BadRequest, "modification_prompt");
    }
}
