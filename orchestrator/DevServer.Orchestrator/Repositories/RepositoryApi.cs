using System.Text.RegularExpressions;
using DevServer.Contracts.Repositories.V1;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tasks;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Repositories;

/// <summary>
/// The repositories DevServer works on: where to fetch them, their check commands and task defaults. A forge token is
/// stored encrypted (<see cref="SecretProtector"/>) and never read back.
/// </summary>
internal sealed partial class RepositoryApi(NpgsqlDataSource dataSource, SecretProtector secrets, TimeProvider clock) : RepositoryService.RepositoryServiceBase
{
    private const string Columns =
        """
        id, name, location, default_branch, pre_command, build_command, test_command, lint_command,
        stage_timeout, max_attempts, attempt_timeout, created_at, updated_at, detect_commands,
        """ + RepositoryDelivery.Columns;

    private static readonly TimeSpan DefaultStageTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromMinutes(60);
    private static readonly TimeSpan MaxStageTimeout = TimeSpan.FromHours(6);
    private const int MaxCommandBytes = 8 * 1024;
    private const int MaxLocationLength = 1024;

    public override async Task<AddRepositoryResponse> AddRepository(AddRepositoryRequest request, ServerCallContext context)
    {
        var name = RepositoryName(request.Name);
        var location = Location(request.Location);
        var branch = request.DefaultBranch.Length == 0 ? "main" : TaskValidation.Branch(request.DefaultBranch, "default_branch");
        var commands = Commands(request.Commands ?? new VerificationCommands());
        var stageTimeout = request.StageTimeout is null
            ? DefaultStageTimeout
            : TaskValidation.Timeout(request.StageTimeout, "stage_timeout", TimeSpan.FromSeconds(1), MaxStageTimeout);
        var maxAttempts = request.MaxAttempts == 0 ? 2 : TaskValidation.MaxAttempts(request.MaxAttempts, "max_attempts");
        var attemptTimeout = request.AttemptTimeout is null
            ? DefaultAttemptTimeout
            : TaskValidation.Timeout(request.AttemptTimeout, "attempt_timeout", TaskValidation.MinAttemptTimeout, TaskValidation.MaxAttemptTimeout);
        var delivery = RepositoryDelivery.Validate(request.Delivery);
        var token = request.HasForgeToken && request.ForgeToken.Length > 0 ? RepositoryDelivery.Token(request.ForgeToken) : null;
        // A stored token is bound to its row's id (SecretProtector), so the id is drawn before the row is inserted.
        var id = await NextIdAsync(context.CancellationToken);

        await using var command = dataSource.CreateCommand(
            $"""
            INSERT INTO repositories (id, name, location, default_branch, pre_command, build_command, test_command, lint_command,
                                      stage_timeout, max_attempts, attempt_timeout, detect_commands, created_at, updated_at,
                                      delivery_flow, forge_kind, forge_api_url, forge_repository, deny_paths, allow_paths,
                                      allowed_author_emails, max_diff_bytes, max_files, allow_lock_files, forge_token)
            OVERRIDING SYSTEM VALUE
            VALUES (@id, @name, @location, @branch, @pre, @build, @test, @lint, @stage_timeout, @max_attempts, @attempt_timeout, @detect,
                    @now, @now, @delivery_flow, @forge_kind, @forge_api_url, @forge_repository, @deny_paths, @allow_paths,
                    @allowed_author_emails, @max_diff_bytes, @max_files, @allow_lock_files, @token)
            ON CONFLICT (name) DO NOTHING
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("name", name);
        new Settings(location, branch, commands, stageTimeout, maxAttempts, attemptTimeout, !request.HasDetectCommands || request.DetectCommands)
            .Bind(command.Parameters, clock.GetUtcNow());
        delivery.Bind(command.Parameters);
        command.Parameters.Add(new NpgsqlParameter<string?>("token", NpgsqlTypes.NpgsqlDbType.Text)
        {
            TypedValue = token is null ? null : secrets.Protect(token, SecretProtector.ForgeToken(id)),
        });
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        if (!await reader.ReadAsync(context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"A repository named '{name}' already exists."));
        }

        return new AddRepositoryResponse { Repository = Read(reader) };
    }

    public override async Task<GetRepositoryResponse> GetRepository(GetRepositoryRequest request, ServerCallContext context)
    {
        var repository = await GetAsync(request.Repository, context.CancellationToken);
        await DetectedCommands.AddToAsync(dataSource, [repository], context.CancellationToken);
        return new GetRepositoryResponse { Repository = repository };
    }

    public override async Task<ListRepositoriesResponse> ListRepositories(ListRepositoriesRequest request, ServerCallContext context)
    {
        var response = new ListRepositoriesResponse();
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM repositories ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            response.Repositories.Add(Read(reader));
        }

        await DetectedCommands.AddToAsync(dataSource, response.Repositories, context.CancellationToken);
        return response;
    }

    public override async Task<UpdateRepositoryResponse> UpdateRepository(UpdateRepositoryRequest request, ServerCallContext context)
    {
        var current = await GetAsync(request.Repository, context.CancellationToken);
        var location = request.HasLocation ? Location(request.Location) : current.Location;
        var branch = request.HasDefaultBranch ? TaskValidation.Branch(request.DefaultBranch, "default_branch") : current.DefaultBranch;
        var commands = request.Commands is null ? current.Commands : Commands(request.Commands);
        var stageTimeout = request.StageTimeout is null
            ? current.StageTimeout.ToTimeSpan()
            : TaskValidation.Timeout(request.StageTimeout, "stage_timeout", TimeSpan.FromSeconds(1), MaxStageTimeout);
        var maxAttempts = request.HasMaxAttempts ? TaskValidation.MaxAttempts(request.MaxAttempts, "max_attempts") : current.MaxAttempts;
        var attemptTimeout = request.AttemptTimeout is null
            ? current.AttemptTimeout.ToTimeSpan()
            : TaskValidation.Timeout(request.AttemptTimeout, "attempt_timeout", TaskValidation.MinAttemptTimeout, TaskValidation.MaxAttemptTimeout);
        var delivery = RepositoryDelivery.Validate(request.Delivery ?? current.Delivery);
        var token = request.HasForgeToken && request.ForgeToken.Length > 0 ? ProtectedToken(request.ForgeToken, current.Id) : null;

        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE repositories SET location = @location, default_branch = @branch, pre_command = @pre, build_command = @build,
                   test_command = @test, lint_command = @lint, stage_timeout = @stage_timeout, max_attempts = @max_attempts,
                   detect_commands = @detect, delivery_flow = @delivery_flow, forge_kind = @forge_kind, forge_api_url = @forge_api_url,
                   forge_repository = @forge_repository, deny_paths = @deny_paths, allow_paths = @allow_paths,
                   allowed_author_emails = @allowed_author_emails, max_diff_bytes = @max_diff_bytes, max_files = @max_files,
                   allow_lock_files = @allow_lock_files,
                   forge_token = CASE WHEN @set_token THEN @token ELSE forge_token END,
                   attempt_timeout = @attempt_timeout, updated_at = @now
            WHERE id = @id
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue("id", current.Id);
        var detect = request.HasDetectCommands ? request.DetectCommands : current.DetectCommands;
        new Settings(location, branch, commands, stageTimeout, maxAttempts, attemptTimeout, detect).Bind(command.Parameters, clock.GetUtcNow());
        delivery.Bind(command.Parameters);
        command.Parameters.AddWithValue("set_token", request.HasForgeToken);
        command.Parameters.Add(new NpgsqlParameter<string?>("token", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = token });
        Repository updated;
        await using (var reader = await command.ExecuteReaderAsync(context.CancellationToken))
        {
            updated = await reader.ReadAsync(context.CancellationToken) ? Read(reader) : throw NotFound(request.Repository);
        }

        await DetectedCommands.AddToAsync(dataSource, [updated], context.CancellationToken);
        return new UpdateRepositoryResponse { Repository = updated };
    }

    public override async Task<RemoveRepositoryResponse> RemoveRepository(RemoveRepositoryRequest request, ServerCallContext context)
    {
        var repository = await GetAsync(request.Repository, context.CancellationToken);
        await using var command = dataSource.CreateCommand(
            """
            DELETE FROM repositories r WHERE r.id = @id
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.repository_id = r.id AND t.status IN ('queued', 'running', 'verifying', 'delivering'))
            """);
        command.Parameters.AddWithValue("id", repository.Id);
        if (await command.ExecuteNonQueryAsync(context.CancellationToken) == 0)
        {
            throw new RpcException(new Status(
                StatusCode.FailedPrecondition,
                $"Repository '{repository.Name}' has tasks that are queued, running, verifying or delivering; cancel them first."));
        }

        return new RemoveRepositoryResponse();
    }

    /// <summary>Finds a repository by name or numeric id (the form every request uses).</summary>
    public static async Task<long?> FindIdAsync(NpgsqlConnection connection, string reference, CancellationToken cancellationToken) =>
        (await FindAsync(connection, reference, cancellationToken))?.Id;

    /// <summary>Finds a repository by name or numeric id, with its name (what events and messages show).</summary>
    public static async Task<(long Id, string Name)?> FindAsync(NpgsqlConnection connection, string reference, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT id, name FROM repositories WHERE name = @name OR id = @id", connection);
        command.Parameters.AddWithValue("name", reference);
        command.Parameters.AddWithValue("id", long.TryParse(reference, out var id) ? id : -1L);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    public static RpcException NotFound(string reference) =>
        new(new Status(StatusCode.NotFound, $"Repository '{TaskValidation.Printable(reference)}' does not exist."));

    private async Task<Repository> GetAsync(string reference, CancellationToken cancellationToken)
    {
        if (reference.Length == 0)
        {
            throw TaskValidation.Invalid("repository (a name or id) is required.");
        }

        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM repositories WHERE name = @name OR id = @id");
        command.Parameters.AddWithValue("name", reference);
        command.Parameters.AddWithValue("id", long.TryParse(reference, out var id) ? id : -1L);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : throw NotFound(reference);
    }

    /// <summary>A token from a request, validated, in the form it is stored in repository <paramref name="id"/>'s row (encrypted).</summary>
    private string ProtectedToken(string token, long id) => secrets.Protect(RepositoryDelivery.Token(token), SecretProtector.ForgeToken(id));

    /// <summary>The id the next repository gets (drawn from the column's identity sequence, never reused).</summary>
    private async Task<long> NextIdAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT nextval(pg_get_serial_sequence('repositories', 'id'))");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static Repository Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        Name = reader.GetString(1),
        Location = reader.GetString(2),
        DefaultBranch = reader.GetString(3),
        Commands = new VerificationCommands
        {
            Pre = reader.GetString(4),
            Build = reader.GetString(5),
            Test = reader.GetString(6),
            Lint = reader.GetString(7),
        },
        StageTimeout = Duration.FromTimeSpan(reader.GetFieldValue<TimeSpan>(8)),
        MaxAttempts = reader.GetInt32(9),
        AttemptTimeout = Duration.FromTimeSpan(reader.GetFieldValue<TimeSpan>(10)),
        CreatedAt = TaskMappings.ToTimestamp(reader, 11),
        UpdatedAt = TaskMappings.ToTimestamp(reader, 12),
        DetectCommands = reader.GetBoolean(13),
        Delivery = RepositoryDelivery.Read(reader, 14),
    };

    private static string RepositoryName(string name) =>
        NamePattern().IsMatch(name)
            ? name
            : throw TaskValidation.Invalid("name must be 1–64 characters: a letter, then letters, digits, '.', '_' or '-'.");

    /// <summary>A git URL or an absolute path; never something git would read as an option.</summary>
    private static string Location(string location)
    {
        // A path is not parsed as a URL: on Unix "/a/../b" is also an absolute file URI (with the dots resolved), which
        // would let it past the path rule below.
        var isUrl = !location.StartsWith('/')
            && Uri.TryCreate(location, UriKind.Absolute, out var uri)
            && uri.Scheme is "https" or "http" or "ssh" or "git" or "file";
        var isScpLike = ScpLikePattern().IsMatch(location);
        var isPath = location.StartsWith('/') && !location.Split('/').Contains("..");
        if (location.Length is 0 or > MaxLocationLength || location.Any(char.IsControl) || !(isUrl || isScpLike || isPath))
        {
            throw TaskValidation.Invalid(
                "location must be a git URL (https://, ssh://, git://, file://, user@host:path) or an absolute path.");
        }

        return location;
    }

    private static VerificationCommands Commands(VerificationCommands commands)
    {
        foreach (var (field, value) in new[] { ("pre", commands.Pre), ("build", commands.Build), ("test", commands.Test), ("lint", commands.Lint) })
        {
            TaskValidation.Text(value, $"commands.{field}", MaxCommandBytes);
        }

        return commands;
    }

    // \z, not $: in .NET '$' also matches before a final '\n'.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^-].*\\z")]
    private static partial Regex ScpLikePattern();

    /// <summary>A repository's settings as validated, bound to the parameters both the insert and the update use.</summary>
    private sealed record Settings(
        string Location, string Branch, VerificationCommands Commands, TimeSpan StageTimeout, int MaxAttempts, TimeSpan AttemptTimeout,
        bool DetectCommands)
    {
        public void Bind(NpgsqlParameterCollection parameters, DateTimeOffset now)
        {
            parameters.AddWithValue("location", Location);
            parameters.AddWithValue("branch", Branch);
            parameters.AddWithValue("pre", Commands.Pre);
            parameters.AddWithValue("build", Commands.Build);
            parameters.AddWithValue("test", Commands.Test);
            parameters.AddWithValue("lint", Commands.Lint);
            parameters.AddWithValue("stage_timeout", StageTimeout);
            parameters.AddWithValue("max_attempts", MaxAttempts);
            parameters.AddWithValue("attempt_timeout", AttemptTimeout);
            parameters.AddWithValue("detect", DetectCommands);
            parameters.AddWithValue("now", now);
        }
    }
}
