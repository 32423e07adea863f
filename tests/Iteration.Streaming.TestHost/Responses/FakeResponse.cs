using System.Text.Json.Nodes;

namespace Iteration.Streaming.TestHost.Responses;

/// <summary>
/// One response of the fake Responses endpoint: its events (index = <c>sequence_number</c>), produced at the fake's own
/// pace (held by the server's gate), whoever reads them. A background response keeps producing when its reader leaves;
/// a foreground one stops with its request.
/// </summary>
public sealed class FakeResponse
{
    /// <summary>The <c>created_at</c> of every response.</summary>
    public const long CreatedAt = 1_760_000_000;

    private readonly object _gate = new();
    private readonly List<ResponsesEvent> _events = [];
    private readonly string _messageId;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _produced;

    internal FakeResponse(string id, ResponsesAnswer answer, bool background, string model)
    {
        Id = id;
        Answer = answer;
        Background = background;
        Model = model;
        _messageId = "msg_" + id[5..];
    }

    /// <summary>The response's id (<c>resp_…</c>).</summary>
    public string Id { get; }

    /// <summary>What it writes.</summary>
    public ResponsesAnswer Answer { get; }

    /// <summary>Whether it was created with <c>background: true</c>.</summary>
    public bool Background { get; }

    /// <summary>The model named in the request.</summary>
    public string Model { get; }

    /// <summary>How many characters of the answer it has produced.</summary>
    public int ProducedCharacters => Volatile.Read(ref _produced);

    /// <summary>The output tokens it was billed: those of the text it produced (once, however often it is read).</summary>
    public long BilledOutputTokens => ResponsesAnswer.Tokens(ProducedCharacters);

    /// <summary>Whether it ended (completed, or stopped with its request).</summary>
    public bool Ended { get; private set; }

    /// <summary>The events from <paramref name="from"/> on, whether the response ended, and a task that completes at the next change.</summary>
    internal (IReadOnlyList<ResponsesEvent> Events, bool Ended, Task Changed) Read(int from)
    {
        lock (_gate)
        {
            var events = from < _events.Count ? _events.GetRange(Math.Max(0, from), _events.Count - Math.Max(0, from)) : [];
            return (events, Ended, _changed.Task);
        }
    }

    /// <summary>Writes the whole response, event by event, waiting at the server's gate.</summary>
    internal async Task ProduceAsync(FakeResponsesServer server, CancellationToken cancellationToken)
    {
        try
        {
            Add("response.created", n => Envelope("response.created", n, ("response", ResponseObject("in_progress", null, completed: false))), 0);
            Add("response.in_progress", n => Envelope("response.in_progress", n, ("response", ResponseObject("in_progress", null, completed: false))), 0);
            Add("response.output_item.added", n => Envelope("response.output_item.added", n, ("output_index", 0), ("item", MessageItem("in_progress", null))), 0);
            Add("response.content_part.added", n => Envelope("response.content_part.added", n, ("item_id", _messageId), ("output_index", 0), ("content_index", 0), ("part", TextPart(string.Empty))), 0);
            var produced = 0;
            foreach (var delta in Answer.Deltas())
            {
                await server.WaitAtGateAsync(produced + delta.Length, cancellationToken).ConfigureAwait(false);
                produced += delta.Length;
                Add("response.output_text.delta", n => Envelope("response.output_text.delta", n, ("item_id", _messageId), ("output_index", 0), ("content_index", 0), ("delta", delta), ("logprobs", new JsonArray())), produced);
            }

            var text = Answer.Text;
            Add("response.output_text.done", n => Envelope("response.output_text.done", n, ("item_id", _messageId), ("output_index", 0), ("content_index", 0), ("text", text), ("logprobs", new JsonArray())), produced);
            Add("response.content_part.done", n => Envelope("response.content_part.done", n, ("item_id", _messageId), ("output_index", 0), ("content_index", 0), ("part", TextPart(text))), produced);
            Add("response.output_item.done", n => Envelope("response.output_item.done", n, ("output_index", 0), ("item", MessageItem("completed", text))), produced);
            Add("response.completed", n => Envelope("response.completed", n, ("response", ResponseObject("completed", text, completed: true))), produced);
        }
        finally
        {
            lock (_gate)
            {
                Ended = true;
                Signal();
            }
        }
    }

    /// <summary>The response object as <c>GET /v1/responses/{id}</c> (without a stream) answers it.</summary>
    internal JsonObject Snapshot()
    {
        lock (_gate)
        {
            var done = Ended && _produced == Answer.Text.Length;
            return ResponseObject(done ? "completed" : Ended ? "cancelled" : "in_progress", done ? Answer.Text : null, done);
        }
    }

    private void Add(string type, Func<int, JsonObject> build, int textEnd)
    {
        lock (_gate)
        {
            var json = build(_events.Count).ToJsonString();
            _events.Add(new ResponsesEvent(type, json, textEnd));
            Volatile.Write(ref _produced, textEnd);
            Signal();
        }
    }

    private void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private static JsonObject Envelope(string type, int sequence, params (string Name, JsonNode? Value)[] fields)
    {
        var json = new JsonObject { ["type"] = type, ["sequence_number"] = sequence };
        foreach (var (name, value) in fields)
        {
            json[name] = value;
        }

        return json;
    }

    private JsonObject ResponseObject(string status, string? text, bool completed) => new()
    {
        ["id"] = Id,
        ["object"] = "response",
        ["created_at"] = CreatedAt,
        ["status"] = status,
        ["background"] = Background,
        ["error"] = null,
        ["incomplete_details"] = null,
        ["instructions"] = null,
        ["max_output_tokens"] = null,
        ["model"] = Model,
        ["output"] = text is null ? new JsonArray() : new JsonArray(MessageItem("completed", text)),
        ["parallel_tool_calls"] = true,
        ["previous_response_id"] = null,
        ["store"] = true,
        ["temperature"] = 1.0,
        ["text"] = new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
        ["tool_choice"] = "auto",
        ["tools"] = new JsonArray(),
        ["top_p"] = 1.0,
        ["truncation"] = "disabled",
        ["usage"] = completed ? Usage(text!.Length) : null,
        ["metadata"] = new JsonObject(),
    };

    private JsonObject Usage(int characters)
    {
        var output = ResponsesAnswer.Tokens(characters);
        return new JsonObject
        {
            ["input_tokens"] = FakeResponsesServer.InputTokens,
            ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
            ["output_tokens"] = output,
            ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
            ["total_tokens"] = FakeResponsesServer.InputTokens + output,
        };
    }

    private JsonObject MessageItem(string status, string? text) => new()
    {
        ["id"] = _messageId,
        ["type"] = "message",
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = text is null ? new JsonArray() : new JsonArray(TextPart(text)),
    };

    private static JsonObject TextPart(string text) => new()
    {
        ["type"] = "output_text",
        ["text"] = text,
        ["annotations"] = new JsonArray(),
    };
}
