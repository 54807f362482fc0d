using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TensorGuard.Testing;

namespace TensorGuard.GitHub.Fake;

/// <summary>A request the fake server received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string? Authorization, string Body);

/// <summary>An answer the server gives instead of the real one, to the next request matching <see cref="Method"/>.</summary>
public sealed record Fault(int Status, string? Method = null, IReadOnlyDictionary<string, string>? Headers = null, string Message = "fault injected by the test");

/// <summary>A comment on an issue or pull request, as the fake stores it.</summary>
public sealed record FakeComment(long Id, int Issue, string Body, string Author);

/// <summary>
/// An in-memory GitHub that speaks the issue-comment endpoints (list with Link pagination, create, update)
/// under a configurable API root, checks the token, records every request, and fails on demand.
/// </summary>
public sealed class FakeGitHubServer : IAsyncDisposable
{
    public const string BotLogin = "github-actions[bot]";

    private readonly WebApplication app;
    private readonly ConcurrentQueue<Fault> faults = new();
    private readonly List<FakeComment> comments = [];
    private readonly List<RecordedRequest> requests = [];
    private readonly Lock gate = new();
    private long nextId = 1000;

    private FakeGitHubServer(WebApplication app, string pathBase, string token)
    {
        this.app = app;
        PathBase = pathBase;
        Token = token;
    }

    /// <summary>The API root path, e.g. <c>/api/v3</c> as on GitHub Enterprise Server, or empty.</summary>
    public string PathBase { get; }

    public string Token { get; }

    /// <summary>The API root to give the action as GITHUB_API_URL.</summary>
    public Uri ApiUrl { get; private set; } = null!;

    /// <summary>Answer writes with 403 like a fork's read-only GITHUB_TOKEN.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>Comments per page when the client does not ask for a page size.</summary>
    public int DefaultPageSize { get; set; } = 30;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (gate)
            {
                return [.. requests];
            }
        }
    }

    public IReadOnlyList<FakeComment> Comments
    {
        get
        {
            lock (gate)
            {
                return [.. comments];
            }
        }
    }

    public static async Task<FakeGitHubServer> StartAsync(string token, string pathBase = "")
    {
        FakeGitHubServer? server = null;
        (WebApplication app, Uri[] addresses) = await LoopbackHost.StartAsync(context => server!.HandleAsync(context)).ConfigureAwait(false);
        server = new FakeGitHubServer(app, pathBase, token) { ApiUrl = new Uri(addresses[0].AbsoluteUri.TrimEnd('/') + pathBase) };
        return server;
    }

    /// <summary>Adds a comment as if someone (or an earlier run) had written it.</summary>
    public FakeComment AddComment(int issue, string body, string author = "someone")
    {
        lock (gate)
        {
            var comment = new FakeComment(nextId++, issue, body, author);
            comments.Add(comment);
            return comment;
        }
    }

    public void Enqueue(Fault fault) => faults.Enqueue(fault);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body))
        {
            body = await reader.ReadToEndAsync().ConfigureAwait(false);
        }

        lock (gate)
        {
            requests.Add(new RecordedRequest(request.Method, request.Path.Value ?? string.Empty, request.QueryString.Value ?? string.Empty,
                request.Headers.Authorization.FirstOrDefault(), body));
        }

        (int status, object? payload, Dictionary<string, string> headers) = Answer(request, body);
        context.Response.StatusCode = status;
        foreach ((string name, string value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        if (payload is not null)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(JsonSerializer.Serialize(payload)).ConfigureAwait(false);
        }
    }

    private (int Status, object? Payload, Dictionary<string, string> Headers) Answer(HttpRequest request, string body)
    {
        var headers = new Dictionary<string, string>();
        if (TakeFault(request.Method) is { } fault)
        {
            foreach ((string name, string value) in fault.Headers ?? new Dictionary<string, string>())
            {
                headers[name] = value;
            }

            return (fault.Status, Error(fault.Message), headers);
        }

        if (!IsAuthorized(request.Headers.Authorization.FirstOrDefault()))
        {
            return (401, Error("Bad credentials"), headers);
        }

        string path = request.Path.Value ?? string.Empty;
        if (!path.StartsWith(PathBase + "/repos/", StringComparison.Ordinal))
        {
            return (404, Error("Not Found"), headers);
        }

        string[] parts = path[(PathBase.Length + "/repos/".Length)..].Split('/');
        lock (gate)
        {
            return (request.Method, parts) switch
            {
                ("GET", [_, _, "issues", var number, "comments"]) when int.TryParse(number, out int issue) => List(request, issue, headers),
                ("POST", [_, _, "issues", var number, "comments"]) when int.TryParse(number, out int issue) => ReadOnly
                    ? (403, Error("Resource not accessible by integration"), headers)
                    : (201, Json(Create(issue, BodyOf(body))), headers),
                ("PATCH", [_, _, "issues", "comments", var id]) when long.TryParse(id, out long commentId) => ReadOnly
                    ? (403, Error("Resource not accessible by integration"), headers)
                    : Update(commentId, BodyOf(body), headers),
                _ => (404, Error("Not Found"), headers),
            };
        }
    }

    /// <summary>Whether an Authorization header carries the token; the scheme is case-insensitive, as in HTTP.</summary>
    public bool IsAuthorized(string? authorization) =>
        authorization?.Split(' ', 2) is [var scheme, var value]
        && (scheme.Equals("token", StringComparison.OrdinalIgnoreCase) || scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase))
        && value == Token;

    private Fault? TakeFault(string method)
    {
        if (faults.TryPeek(out Fault? fault) && (fault.Method is null || fault.Method == method) && faults.TryDequeue(out fault))
        {
            return fault;
        }

        return null;
    }

    private (int, object?, Dictionary<string, string>) List(HttpRequest request, int issue, Dictionary<string, string> headers)
    {
        int perPage = int.TryParse(request.Query["per_page"], out int size) && size > 0 ? Math.Min(size, 100) : DefaultPageSize;
        int page = int.TryParse(request.Query["page"], out int number) && number > 0 ? number : 1;
        FakeComment[] all = comments.Where(c => c.Issue == issue).OrderBy(c => c.Id).ToArray();
        if (page * perPage < all.Length)
        {
            string next = string.Create(CultureInfo.InvariantCulture,
                $"{request.Scheme}://{request.Host}{request.Path}?per_page={perPage}&page={page + 1}");
            headers["Link"] = $"<{next}>; rel=\"next\"";
        }

        return (200, all.Skip((page - 1) * perPage).Take(perPage).Select(Json).ToArray(), headers);
    }

    private FakeComment Create(int issue, string text)
    {
        var comment = new FakeComment(nextId++, issue, text, BotLogin);
        comments.Add(comment);
        return comment;
    }

    private (int, object?, Dictionary<string, string>) Update(long id, string text, Dictionary<string, string> headers)
    {
        int index = comments.FindIndex(c => c.Id == id);
        if (index < 0)
        {
            return (404, Error("Not Found"), headers);
        }

        comments[index] = comments[index] with { Body = text };
        return (200, Json(comments[index]), headers);
    }

    private static string BodyOf(string json) =>
        JsonNode.Parse(json)?["body"]?.GetValue<string>() ?? throw new InvalidOperationException("request has no body field");

    private static JsonObject Error(string message) => new() { ["message"] = message, ["documentation_url"] = "https://docs.github.com/rest" };

    private JsonObject Json(FakeComment comment) => new()
    {
        ["id"] = comment.Id,
        ["node_id"] = $"IC_{comment.Id}",
        ["url"] = $"{ApiUrl}/repos/o/r/issues/comments/{comment.Id}",
        ["html_url"] = $"https://github.example/o/r/pull/{comment.Issue}#issuecomment-{comment.Id}",
        ["body"] = comment.Body,
        ["user"] = new JsonObject { ["login"] = comment.Author, ["id"] = 1, ["type"] = "Bot" },
        ["created_at"] = "2026-01-01T00:00:00Z",
        ["updated_at"] = "2026-01-01T00:00:00Z",
        ["author_association"] = "NONE",
    };
}
