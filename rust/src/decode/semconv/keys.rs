//! The semantic-convention key table: which span attribute keys feed which
//! normalised column, in rank order ("first match wins" in
//! docs/span-schema.md), the span-type values each span-type key maps, and
//! the `gen_ai.prompt.{i}.role` / `.content` key grammar. Data, not logic:
//! the scan over a span's attributes is `semconv::Found`; the test oracle
//! (`decode::oracle`) reads the same table.

/// Normalised columns fed from span attributes (the index of its slot in `Found`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Col {
    SpanType,
    Model,
    Provider,
    InputTokens,
    OutputTokens,
    CachedTokens,
    ReasoningTokens,
    TotalTokens,
    Chain,
    Agent,
    UserId,
    SessionId,
    Environment,
    Tags,
    Input,
    Output,
}

pub const NCOLS: usize = 16;

/// Classifies a span attribute key: the column it feeds and its rank (0 = best).
#[inline]
pub fn classify(key: &[u8]) -> Option<(Col, u8)> {
    use Col::*;
    Some(match key {
        b"gls.span.type" => (SpanType, 0),
        b"openinference.span.kind" => (SpanType, 1),
        b"traceloop.span.kind" => (SpanType, 2),
        b"gen_ai.operation.name" => (SpanType, 3),
        b"llm.request.type" => (SpanType, 4),

        b"gen_ai.response.model" => (Model, 0),
        b"gen_ai.request.model" => (Model, 1),
        b"llm.model_name" => (Model, 2),
        b"llm.response.model" => (Model, 3),
        b"llm.request.model" => (Model, 4),

        b"gen_ai.provider.name" => (Provider, 0),
        b"gen_ai.system" => (Provider, 1),
        b"llm.provider" => (Provider, 2),
        b"llm.system" => (Provider, 3),

        b"gen_ai.usage.input_tokens" => (InputTokens, 0),
        b"gen_ai.usage.prompt_tokens" => (InputTokens, 1),
        b"llm.token_count.prompt" => (InputTokens, 2),
        b"llm.usage.prompt_tokens" => (InputTokens, 3),

        b"gen_ai.usage.output_tokens" => (OutputTokens, 0),
        b"gen_ai.usage.completion_tokens" => (OutputTokens, 1),
        b"llm.token_count.completion" => (OutputTokens, 2),
        b"llm.usage.completion_tokens" => (OutputTokens, 3),

        b"gen_ai.usage.cache_read.input_tokens" => (CachedTokens, 0),
        b"gen_ai.usage.cache_read_input_tokens" => (CachedTokens, 1),
        b"llm.token_count.prompt_details.cache_read" => (CachedTokens, 2),
        b"llm.usage.cache_read_input_tokens" => (CachedTokens, 3),

        b"gen_ai.usage.reasoning.output_tokens" => (ReasoningTokens, 0),
        b"gen_ai.usage.reasoning_tokens" => (ReasoningTokens, 1),
        b"llm.token_count.completion_details.reasoning" => (ReasoningTokens, 2),
        b"llm.usage.reasoning_tokens" => (ReasoningTokens, 3),

        b"llm.token_count.total" => (TotalTokens, 0),
        b"llm.usage.total_tokens" => (TotalTokens, 1),
        b"gen_ai.usage.total_tokens" => (TotalTokens, 2),

        b"gls.chain" => (Chain, 0),
        b"greenlang.chain" => (Chain, 1),
        b"traceloop.workflow.name" => (Chain, 2),

        b"gls.agent" => (Agent, 0),
        b"gen_ai.agent.name" => (Agent, 1),
        b"agent.name" => (Agent, 2),
        b"greenlang.agent" => (Agent, 3),

        b"user.id" => (UserId, 0),
        b"enduser.id" => (UserId, 1),
        b"gls.user" => (UserId, 2),
        b"traceloop.association.properties.user_id" => (UserId, 3),
        b"langfuse.user.id" => (UserId, 4),

        b"session.id" => (SessionId, 0),
        b"gen_ai.conversation.id" => (SessionId, 1),
        b"gls.session" => (SessionId, 2),
        b"traceloop.association.properties.session_id" => (SessionId, 3),
        b"langfuse.session.id" => (SessionId, 4),

        b"gls.environment" => (Environment, 0),
        b"deployment.environment.name" => (Environment, 1),
        b"deployment.environment" => (Environment, 2),

        b"tag.tags" => (Tags, 0),
        b"gls.tags" => (Tags, 1),
        b"langfuse.trace.tags" => (Tags, 2),

        b"input.value" => (Input, 0),
        b"gen_ai.input.messages" => (Input, 1),
        b"traceloop.entity.input" => (Input, 2),
        b"gen_ai.prompt" => (Input, 3),

        b"output.value" => (Output, 0),
        b"gen_ai.output.messages" => (Output, 1),
        b"traceloop.entity.output" => (Output, 2),
        b"gen_ai.completion" => (Output, 3),
        _ => return None,
    })
}

/// `gen_ai.prompt.{i}.role` / `.content` (and `gen_ai.completion.…`).
#[derive(Clone, Copy, Debug)]
pub struct Part {
    pub output: bool,
    pub index: u32,
    pub content: bool,
    pub attr: u32,
}

pub(crate) fn parse_part(key: &[u8], attr: u32) -> Option<Part> {
    let (output, rest) = if let Some(r) = key.strip_prefix(b"gen_ai.prompt.") {
        (false, r)
    } else if let Some(r) = key.strip_prefix(b"gen_ai.completion.") {
        (true, r)
    } else {
        return None;
    };
    let dot = rest.iter().position(|&c| c == b'.')?;
    let (num, field) = (&rest[..dot], &rest[dot + 1..]);
    if num.is_empty() || num.len() > 9 || !num.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let index = num.iter().fold(0u32, |a, &c| a * 10 + (c - b'0') as u32);
    let content = match field {
        b"content" => true,
        b"role" => false,
        _ => return None,
    };
    Some(Part {
        output,
        index,
        content,
        attr,
    })
}

fn eq_any(v: &[u8], names: &[(&str, &'static str)]) -> Option<&'static str> {
    names
        .iter()
        .find(|(n, _)| v.eq_ignore_ascii_case(n.as_bytes()))
        .map(|(_, t)| *t)
}

/// Span type for a (rank, value) of the span-type keys of ranks 1..=4.
pub(crate) fn map_span_type(rank: u8, v: &[u8]) -> Option<&'static str> {
    match rank {
        1 => eq_any(
            v,
            &[
                ("LLM", "llm"),
                ("CHAIN", "chain"),
                ("TOOL", "tool"),
                ("RETRIEVER", "retriever"),
                ("EMBEDDING", "embedding"),
                ("AGENT", "agent"),
                ("RERANKER", "reranker"),
                ("GUARDRAIL", "guardrail"),
                ("EVALUATOR", "evaluator"),
                ("PROMPT", "prompt"),
            ],
        ),
        2 => eq_any(
            v,
            &[
                ("workflow", "chain"),
                ("task", "chain"),
                ("agent", "agent"),
                ("tool", "tool"),
            ],
        ),
        3 => eq_any(
            v,
            &[
                ("chat", "llm"),
                ("text_completion", "llm"),
                ("generate_content", "llm"),
                ("embeddings", "embedding"),
                ("execute_tool", "tool"),
                ("invoke_agent", "agent"),
                ("create_agent", "agent"),
            ],
        ),
        4 => eq_any(
            v,
            &[
                ("chat", "llm"),
                ("completion", "llm"),
                ("embedding", "embedding"),
            ],
        ),
        _ => None,
    }
}
