using System.Text;
using System.Text.Json;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.TestHost.Responses;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Tests.Responses;

// MEAI001: background responses and continuation tokens are experimental in Microsoft.Extensions.AI 10.11.
#pragma warning disable MEAI001

/// <summary>The fake Responses endpoint, driven through the released Microsoft.Extensions.AI.OpenAI client.</summary>
public sealed class FakeResponsesServerTests : IAsyncLifetime
{
    private const string Prompt = "Write the files of phase 2 of 4: User Entity.";

    private FakeResponsesServer _server = null!;
    private IChatClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeResponsesServer.StartAsync();
        _client = ResponsesChatClients.Create(_server);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Stream_Background_GivesTheAnswerUsageAndContinuationTokens()
    {
        var text = new StringBuilder();
        var tokens = 0;
        UsageDetails? usage = null;
        await foreach (var update in _client.GetStreamingResponseAsync(Prompt, new ChatOptions { AllowBackgroundResponses = true }))
        {
            text.Append(update.Text);
            tokens += update.ContinuationToken is null ? 0 : 1;
            usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
        }

        var answer = ResponsesAnswer.ForPhase(2);
        text.ToString().Should().Be(answer.Text);
        tokens.Should().BeGreaterThan(answer.Deltas().Count);
        usage!.OutputTokenCount.Should().Be(ResponsesAnswer.Tokens(answer.Text.Length));
        _server.Requests.Single().Background.Should().BeTrue();
        _server.BilledOutputTokens.Should().Be(ResponsesAnswer.Tokens(answer.Text.Length));
    }

    [Fact]
    public async Task Continue_AfterAReaderLeftAtAHold_StreamsTheRestAfterTheTokensSequence()
    {
        var answer = ResponsesAnswer.ForPhase(2);
        var cut = answer.CutAt(0.4);
        _server.HoldAt(cut.AnswerCharacters);
        var first = new StringBuilder();
        ResponseContinuationToken? token = null;
        await using (var updates = _client.GetStreamingResponseAsync(Prompt, new ChatOptions { AllowBackgroundResponses = true }).GetAsyncEnumerator())
        {
            while (first.Length < cut.AnswerCharacters && await updates.MoveNextAsync())
            {
                first.Append(updates.Current.Text);
                token = updates.Current.ContinuationToken ?? token;
            }
        }

        _server.Release();
        var rest = new StringBuilder();
        await foreach (var update in _client.GetStreamingResponseAsync([], new ChatOptions { AllowBackgroundResponses = true, ContinuationToken = token }))
        {
            rest.Append(update.Text);
        }

        (first.ToString() + rest).Should().Be(answer.Text);
        var sequence = JsonDocument.Parse(token!.ToBytes()).RootElement.GetProperty("sequenceNumber").GetInt32();
        _server.Requests[^1].StartingAfter.Should().Be(sequence);
        _server.BilledOutputTokens.Should().Be(ResponsesAnswer.Tokens(answer.Text.Length));
    }

    [Fact]
    public async Task Continue_Expired_ThrowsNotFound()
    {
        await foreach (var update in _client.GetStreamingResponseAsync(Prompt, new ChatOptions { AllowBackgroundResponses = true }))
        {
            if (update.ContinuationToken is { } token)
            {
                _server.ContinuationFault = ResponsesFault.Expired;
                var act = async () =>
                {
                    await foreach (var _ in _client.GetStreamingResponseAsync([], new ChatOptions { ContinuationToken = token }))
                    {
                    }
                };
                (await act.Should().ThrowAsync<System.ClientModel.ClientResultException>()).Which.Status.Should().Be(404);
                return;
            }
        }

        Assert.Fail("No continuation token.");
    }

    [Fact]
    public async Task Stream_CutMidFrame_Throws()
    {
        _server.CutNextStreamAt(ResponsesAnswer.ForPhase(2).CutAt(0.5).AnswerCharacters);
        var text = new StringBuilder();
        var act = async () =>
        {
            await foreach (var update in _client.GetStreamingResponseAsync(Prompt, new ChatOptions { AllowBackgroundResponses = true }))
            {
                text.Append(update.Text);
            }
        };

        await act.Should().ThrowAsync<Exception>();
        text.Length.Should().BeLessThan(ResponsesAnswer.ForPhase(2).Text.Length);
    }
}
