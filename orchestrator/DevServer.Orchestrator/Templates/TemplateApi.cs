using DevServer.Contracts.Templates.V1;
using DevServer.Orchestrator.Tasks;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Templates;

/// <summary>Task templates: presets that CreateTaskRequest.template applies (see <see cref="TemplateMerge"/>).</summary>
internal sealed class TemplateApi(NpgsqlDataSource dataSource, TimeProvider clock) : TemplateService.TemplateServiceBase
{
    private const string UniqueViolation = "23505";

    public override async Task<CreateTemplateResponse> CreateTemplate(CreateTemplateRequest request, ServerCallContext context)
    {
        var fields = TemplateFields.Validate(request.Template);
        await using var command = dataSource.CreateCommand(
            $"""
            INSERT INTO task_templates (name, description, acceptance, repository, priority, vendor, model, backup_vendor, backup_model,
                                        max_turns, billing_mode, delivery_flow, skip_verification, labels, allowed_tools, created_at, updated_at)
            VALUES (@name, @description, @acceptance, @repository, @priority, @vendor, @model, @backup_vendor, @backup_model,
                    @max_turns, @billing_mode, @delivery_flow, @skip_verification, @labels, @allowed_tools, @now, @now)
            ON CONFLICT (name) DO NOTHING
            RETURNING {TemplateStore.Columns}
            """);
        fields.Bind(command.Parameters, clock.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        return await reader.ReadAsync(context.CancellationToken)
            ? new CreateTemplateResponse { Template = TemplateStore.Read(reader) }
            : throw NameTaken(fields.Name);
    }

    public override async Task<GetTemplateResponse> GetTemplate(GetTemplateRequest request, ServerCallContext context)
    {
        if (request.Template.Length == 0)
        {
            throw TaskValidation.Invalid("template (a name or id) is required.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(context.CancellationToken);
        var template = await TemplateStore.FindAsync(connection, request.Template, context.CancellationToken)
            ?? throw TemplateStore.NotFound(request.Template);
        return new GetTemplateResponse { Template = template };
    }

    public override async Task<ListTemplatesResponse> ListTemplates(ListTemplatesRequest request, ServerCallContext context)
    {
        var response = new ListTemplatesResponse();
        await using var command = dataSource.CreateCommand($"SELECT {TemplateStore.Columns} FROM task_templates ORDER BY name, id");
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            response.Templates.Add(TemplateStore.Read(reader));
        }

        return response;
    }

    public override async Task<UpdateTemplateResponse> UpdateTemplate(UpdateTemplateRequest request, ServerCallContext context)
    {
        var fields = TemplateFields.Validate(request.Template);
        var id = request.Template.Id;
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE task_templates
            SET name = @name, description = @description, acceptance = @acceptance, repository = @repository, priority = @priority,
                vendor = @vendor, model = @model, backup_vendor = @backup_vendor, backup_model = @backup_model, max_turns = @max_turns,
                billing_mode = @billing_mode, delivery_flow = @delivery_flow, skip_verification = @skip_verification, labels = @labels,
                allowed_tools = @allowed_tools, updated_at = @now
            WHERE id = @id
            RETURNING {TemplateStore.Columns}
            """);
        fields.Bind(command.Parameters, clock.GetUtcNow());
        command.Parameters.AddWithValue("id", id);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
            return await reader.ReadAsync(context.CancellationToken)
                ? new UpdateTemplateResponse { Template = TemplateStore.Read(reader) }
                : throw NotFound(id);
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            throw NameTaken(fields.Name);
        }
    }

    public override async Task<DeleteTemplateResponse> DeleteTemplate(DeleteTemplateRequest request, ServerCallContext context)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM task_templates WHERE id = @id");
        command.Parameters.AddWithValue("id", request.Id);
        return await command.ExecuteNonQueryAsync(context.CancellationToken) == 1
            ? new DeleteTemplateResponse()
            : throw NotFound(request.Id);
    }

    private static RpcException NotFound(long id) => new(new Status(StatusCode.NotFound, $"Template {id} does not exist."));

    private static RpcException NameTaken(string name) =>
        new(new Status(StatusCode.AlreadyExists, $"A template named '{TaskValidation.Printable(name)}' already exists."));
}
