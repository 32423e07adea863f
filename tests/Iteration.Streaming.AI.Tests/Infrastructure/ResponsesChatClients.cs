using System.ClientModel;
using System.ClientModel.Primitives;
using Iteration.Streaming.TestHost.Responses;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>The released Microsoft.Extensions.AI.OpenAI Responses client, as a host builds it, for the fake Responses endpoint.</summary>
public static class ResponsesChatClients
{
    public const string ApiKey = "sk-test-responses-0123456789";

    /// <summary>
    /// <c>new OpenAIClient(key, {Endpoint}).GetResponsesClient(model).AsIChatClient()</c>, the OpenAI client's own retries
    /// off (the engine retries), so a test sees each request.
    /// </summary>
    // OPENAI001: the Responses client is marked for evaluation in OpenAI 2.14; it is the client the issue asks us to use.
#pragma warning disable OPENAI001
    public static IChatClient Create(FakeResponsesServer server) => new OpenAIClient(
            new ApiKeyCredential(ApiKey),
            new OpenAIClientOptions
            {
                Endpoint = server.Endpoint,
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = AsyncTestExtensions.Patience,
            })
        .GetResponsesClient()
        .AsIChatClient(FakeResponsesServer.Model);
#pragma warning restore OPENAI001
}
