using System.Text.Json.Nodes;
using Iteration.Streaming.AspNetCore.Endpoints;
using Iteration.Streaming.AspNetCore.Security;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Iteration.Streaming.AspNetCore.Builder;

/// <summary>
/// What the endpoints' metadata cannot say to Microsoft.AspNetCore.OpenApi, added per operation so that a host's
/// <c>AddOpenApi()</c> alone gives a document a generator turns into a working client: the two Bearer schemes and which
/// operation takes which token, the request bodies' required and non-null fields, the <c>Idempotency-Key</c> header, and
/// the file path that may hold <c>/</c>.
/// </summary>
internal static class OpenApiOperations
{
    /// <summary>The security scheme of the <c>sse_token</c>: reads.</summary>
    public const string ReadScheme = "sse_token";

    /// <summary>The security scheme of the <c>control_token</c>: actions (and reads, in a header only).</summary>
    public const string ControlScheme = "control_token";

    /// <summary>Reads take either token in the Authorization header (the sse_token also as <c>?token=</c>).</summary>
    public static Task ReadAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        Secure(operation, context, ReadScheme, ControlScheme);
        return Task.CompletedTask;
    }

    /// <summary>Cancel: the control token (or the owner, which the document cannot express).</summary>
    public static Task ControlAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        Secure(operation, context, ControlScheme);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The list: no token (the host's own authentication), and its query parameters as the server checks them:
    /// <c>owner</c> required and <c>me</c>, <c>status</c> one of the statuses, <c>limit</c> 1 to 100, <c>cursor</c> opaque.
    /// </summary>
    public static Task ListAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            switch (parameter.Name)
            {
                case ListEndpoint.OwnerQuery:
                    parameter.Required = true;
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(ListEndpoint.Me)] };
                    break;
                case ListEndpoint.StatusQuery:
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. ListEndpoint.Statuses.Select(static s => (JsonNode)JsonValue.Create(s)!)] };
                    break;
                case ListEndpoint.LimitQuery:
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int32",
                        Minimum = "1",
                        Maximum = Records.GenerationRecordQuery.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Default = JsonValue.Create(ListEndpoint.DefaultLimit),
                    };
                    break;
                case ListEndpoint.CursorQuery:
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = GenerationListCursor.MaxLength };
                    break;
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The multiplexed stream: a watch token (the <c>watch_token</c> scheme) or the host's own authentication with
    /// <c>owner=me</c>; <c>from</c> is <c>now</c> or <c>start</c>; the cursor is opaque.
    /// </summary>
    public static Task MultiplexAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            switch (parameter.Name)
            {
                case MultiplexStreamEndpoint.OwnerQuery:
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(MultiplexStreamEndpoint.Me)] };
                    break;
                case MultiplexStreamEndpoint.FromQuery:
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("now"), JsonValue.Create("start")], Default = JsonValue.Create("now") };
                    break;
                case "lastEventId" or "Last-Event-ID":
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = Streams.Multiplex.MultiplexCursor.MaxLength };
                    break;
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Retry: the control token, an optional <c>{"review": …, "budget": …}</c> body and an optional Idempotency-Key.</summary>
    public static Task RetryAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        Secure(operation, context, ControlScheme);
        if (context.Document?.Components?.Schemas?.TryGetValue(nameof(Contracts.RetryGenerationRequest), out var component) == true
            && component is OpenApiSchema body)
        {
            // The generated component names its fields in camelCase and knows nothing of "all": the wire's shape instead.
            body.Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal) { ["review"] = Review(), ["budget"] = Budget() };
        }

        AddIdempotencyKey(operation);
        return Task.CompletedTask;
    }

    /// <summary>Start: no token (the host's own authorization applies), a required prompt, an optional Idempotency-Key.</summary>
    public static Task StartAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        SetBody(operation, context, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string>(StringComparer.Ordinal) { "prompt" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["prompt"] = Text("What to generate."),
                ["entities"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Description = "The entities of the app, such as [\"User\", \"Task\"]; one phase each. Distinct names.",
                    Items = Text("An entity's name."),
                },
                ["review"] = Review(),
                ["budget"] = Budget(),
            },
        });
        AddIdempotencyKey(operation);
        return Task.CompletedTask;
    }

    /// <summary>Iterate: the parent's control token, both fields required, an optional Idempotency-Key.</summary>
    public static Task IterateAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        Secure(operation, context, ControlScheme);
        SetBody(operation, context, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string>(StringComparer.Ordinal) { "parent_generation_id", "modification_prompt" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["parent_generation_id"] = Text("The finished generation to start from; its control token goes in the Authorization header."),
                ["modification_prompt"] = Text("What to change."),
                ["review"] = Review(),
                ["budget"] = Budget(),
            },
        });
        AddIdempotencyKey(operation);
        return Task.CompletedTask;
    }

    /// <summary>
    /// One file: a read, and a path that may hold <c>/</c>. Generators percent-encode path parameters (<c>%2F</c>), which
    /// the endpoint decodes; <c>allowReserved</c> and <c>x-allow-reserved</c> tell the generators that honour them to send
    /// <c>/</c> as it is.
    /// </summary>
    public static Task ReadFileAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        Secure(operation, context, ReadScheme, ControlScheme);
        if (operation.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.In == ParameterLocation.Path && p.Name == FileEndpoints.PathParameter) is { } path)
        {
            path.AllowReserved = true;
            path.Extensions ??= new Dictionary<string, IOpenApiExtension>(StringComparer.Ordinal);
            path.Extensions["x-allow-reserved"] = new JsonNodeExtension(JsonValue.Create(true));
            path.Description = "The file's path inside the generation, such as src/app.py: '/' may be sent as it is or encoded as %2F.";
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Diff: a read; <c>against</c> required (a generation id or <c>phase:{k}</c>); the 200 also as <c>text/x-diff</c>.
    /// </summary>
    public static Task DiffAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        Secure(operation, context, ReadScheme, ControlScheme);
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.Name == DiffEndpoint.AgainstQuery)
            {
                parameter.Required = true;
                parameter.Schema = StateSchema("The older side.");
            }
        }

        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Content ??= new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
            response.Content[DiffEndpoint.PatchMediaType] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "With Accept: text/x-diff: one patch (UTF-8) that git apply accepts, every file's unified diff in path order after a preamble naming the changed files left out and why.",
                },
            };
        }

        return Task.CompletedTask;
    }

    /// <summary>Fork: the control token, <c>from_phase</c> required, an optional Idempotency-Key.</summary>
    public static Task ForkAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        Secure(operation, context, ControlScheme);
        SetBody(operation, context, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string>(StringComparer.Ordinal) { "from_phase" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["from_phase"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Description = "The last phase to keep: from 1 to the last phase the generation saved." },
                ["modification_prompt"] = Text("What to do differently in the later phases; without it, the source's."),
                ["review"] = Review(),
                ["budget"] = Budget(),
            },
        });
        AddIdempotencyKey(operation);
        return Task.CompletedTask;
    }

    /// <summary>Revert: the control token, <c>paths</c> and <c>to</c> required, an optional Idempotency-Key.</summary>
    public static Task RevertAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        Secure(operation, context, ControlScheme);
        SetBody(operation, context, new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string>(StringComparer.Ordinal) { "paths", "to" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["paths"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    MinItems = 1,
                    UniqueItems = true,
                    Description = "The paths to restore, as the manifests list them (relative, '/' between names); each once, at most MaxFilesPerGeneration.",
                    Items = Text("A file's path, such as src/app.py."),
                },
                ["to"] = StateSchema("The state to restore them from."),
            },
        });
        AddIdempotencyKey(operation);
        return Task.CompletedTask;
    }

    /// <summary>A saved state as a request names it: a generation id, or <c>phase:{k}</c>.</summary>
    private static OpenApiSchema StateSchema(string what) => new()
    {
        Type = JsonSchemaType.String,
        MinLength = 1,
        MaxLength = 256,
        Description = what + " A generation's id (its files now), or phase:{k} for the files of this generation once its phase k was saved (phase:0: what it started from).",
    };

    /// <summary>The optional review gates of a start, iteration or retry: <c>{"plan": true, "after_phases": [1, 3] | "all"}</c>.</summary>
    private static OpenApiSchema Review() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Review gates: stop for the user's input once the plan is made (plan) and after the phases named (after_phases). Without it, the host's DefaultReview (none by default).",
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["plan"] = new OpenApiSchema { Type = JsonSchemaType.Boolean, Description = "Stop once the plan is made, to approve or revise it." },
            ["after_phases"] = new OpenApiSchema
            {
                Description = "The phases after which to stop: phase numbers (from 1), or \"all\".",
                OneOf =
                [
                    new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" } },
                    new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("all")] },
                ],
            },
        },
    };

    /// <summary>The optional token budget of a start, iteration or retry: <c>{"max_output_tokens": 2000, "max_total_tokens": 10000}</c>.</summary>
    private static OpenApiSchema Budget() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "The most model tokens the generation may spend; crossing it stops the run (failed, stage budget_exceeded), and a retry with a higher budget goes on from its saved phases. Capped by the host's Budgets:MaxPerGeneration, which is also the default. The 202 names the budget the run is held to.",
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["max_output_tokens"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "1", Description = "The most output (completion) tokens, over every attempt." },
            ["max_total_tokens"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "1", Description = "The most input plus output tokens, over every attempt." },
        },
    };

    private static OpenApiSchema Text(string description) => new()
    {
        Type = JsonSchemaType.String,
        MinLength = 1,
        Description = description,
    };

    /// <summary>
    /// Makes the body required and its schema the server's rules: in the document's component when the body refers to
    /// one (so the contract keeps its name), else inline.
    /// </summary>
    private static void SetBody(OpenApiOperation operation, OpenApiOperationTransformerContext context, OpenApiSchema schema)
    {
        var media = operation.RequestBody?.Content?.TryGetValue("application/json", out var found) == true ? found : null;
        if (media?.Schema is OpenApiSchemaReference { Reference.Id: { } id }
            && context.Document?.Components?.Schemas?.TryGetValue(id, out var component) == true
            && component is OpenApiSchema target)
        {
            target.Type = schema.Type;
            target.Required = schema.Required;
            target.Properties = schema.Properties;
            if (operation.RequestBody is OpenApiRequestBody referenced)
            {
                referenced.Required = true;
                return;
            }
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/json"] = new OpenApiMediaType { Schema = schema },
            },
        };
    }

    private static void AddIdempotencyKey(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotentRequest.HeaderName,
            In = ParameterLocation.Header,
            Required = false,
            Description = "A unique key (1 to 255 printable ASCII characters, such as a UUID): the same key and request within IdempotencyKeyLifetime (24 h) answer the first 202 again instead of starting another run; another request with the key is 422, the same one while the first is being admitted 409.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotentRequest.MaxKeyLength },
        });
    }

    /// <summary>Declares the Bearer schemes in the document (once) and that the operation takes any one of <paramref name="schemes"/>.</summary>
    private static void Secure(OpenApiOperation operation, OpenApiOperationTransformerContext context, params string[] schemes)
    {
        var document = context.Document ?? throw new InvalidOperationException("The OpenAPI operation transformer ran without its document.");
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes.TryAdd(ReadScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "Iteration.Streaming stream token",
            Description = "A generation's sse_token from the 202 of start, iterate or retry: reads its stream, snapshot, live phase, files and archive (also accepted as ?token= where a header cannot be sent).",
        });
        document.Components.SecuritySchemes.TryAdd(ControlScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "Iteration.Streaming control token",
            Description = "A generation's control_token from the same 202: iterates, cancels and retries it, and reads it too. Only ever in the Authorization header, never in a URL.",
        });

        operation.Security ??= [];
        foreach (var scheme in schemes)
        {
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [] });
        }
    }
}
