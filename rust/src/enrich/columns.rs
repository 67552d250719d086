//! The columns enrichment adds (their schema, codes and builders), one row
//! appended per span.

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, StringBuilder, UInt32Builder, UInt8Builder};
use arrow_array::{ArrayRef, UInt32Array};
use arrow_schema::{DataType, Field};

use crate::energy::Impacts;

/// `cost_status`: how the LLM cost of a span is known.
pub const COST_NOT_LLM: u8 = 0;
pub const COST_PRICED: u8 = 1;
pub const COST_OVERRIDE: u8 = 2;
pub const COST_UNPRICED: u8 = 3;

/// `token_estimate` bits: the count was estimated with a tokenizer.
pub const ESTIMATED_INPUT: u8 = 1;
pub const ESTIMATED_OUTPUT: u8 = 2;

/// `energy_source`.
pub const ENERGY_UNKNOWN: u8 = 0;
pub const ENERGY_LLM: u8 = 1;
pub const ENERGY_COMPUTE: u8 = 2;

/// The columns enrichment adds, in order, after the decoder's own.
pub fn enrichment_fields() -> Vec<Field> {
    use DataType::*;
    let opt = |name: &str| Field::new(name, Float64, true);
    vec![
        opt("llm_cost_usd"),
        opt("llm_input_cost_usd"),
        opt("llm_output_cost_usd"),
        Field::new("cost_status", UInt8, false),
        opt("infra_cost_usd"),
        opt("data_cost_usd"),
        Field::new("cost_usd", Float64, false),
        Field::new("system_tokens", UInt32, true),
        Field::new("token_estimate", UInt8, false),
        opt("energy_kwh"),
        opt("energy_kwh_min"),
        opt("energy_kwh_max"),
        opt("carbon_g"),
        opt("carbon_g_min"),
        opt("carbon_g_max"),
        opt("embodied_carbon_g"),
        opt("embodied_carbon_g_min"),
        opt("embodied_carbon_g_max"),
        Field::new("energy_source", UInt8, false),
        Field::new("carbon_zone", Utf8, false),
        Field::new("quality_passed", UInt8, false),
        Field::new("quality_checks", UInt8, false),
    ]
}

/// The LLM cost of a span: its status and, when priced, its figures.
pub(super) struct LlmCost {
    pub(super) status: u8,
    /// (total, input, output) in USD.
    pub(super) usd: Option<(f64, f64, f64)>,
}

/// What enrichment gives back: new columns, and token columns that gained estimates.
pub(crate) struct Enriched {
    pub columns: Vec<ArrayRef>,
    pub input_tokens: Option<ArrayRef>,
    pub output_tokens: Option<ArrayRef>,
    pub total_tokens: Option<ArrayRef>,
}

/// The builders of enrichment's columns (`enrichment_fields` order). The
/// `push_*` methods are always inlined into the span loop, where they were
/// written before (as calls they cost ~1% of decode instructions).
pub(super) struct EnrichmentColumns {
    llm_cost: Float64Builder,
    llm_input_cost: Float64Builder,
    llm_output_cost: Float64Builder,
    cost_status: UInt8Builder,
    infra_cost: Float64Builder,
    data_cost: Float64Builder,
    cost_total: Float64Builder,
    system_tokens: UInt32Builder,
    token_estimate: UInt8Builder,
    /// value, min, max
    energy: [Float64Builder; 3],
    carbon: [Float64Builder; 3],
    embodied: [Float64Builder; 3],
    energy_source: UInt8Builder,
    carbon_zone: StringBuilder,
    quality_passed: UInt8Builder,
    quality_checks: UInt8Builder,
}

impl EnrichmentColumns {
    pub(super) fn with_capacity(n: usize) -> Self {
        let f = || Float64Builder::with_capacity(n);
        EnrichmentColumns {
            llm_cost: f(),
            llm_input_cost: f(),
            llm_output_cost: f(),
            cost_status: UInt8Builder::with_capacity(n),
            infra_cost: f(),
            data_cost: f(),
            cost_total: f(),
            system_tokens: UInt32Builder::with_capacity(n),
            token_estimate: UInt8Builder::with_capacity(n),
            energy: [f(), f(), f()],
            carbon: [f(), f(), f()],
            embodied: [f(), f(), f()],
            energy_source: UInt8Builder::with_capacity(n),
            carbon_zone: StringBuilder::with_capacity(n, n * 3),
            quality_passed: UInt8Builder::with_capacity(n),
            quality_checks: UInt8Builder::with_capacity(n),
        }
    }

    /// A span without prices or impact data: every figure unknown.
    #[inline(always)]
    pub(super) fn push_unknown(&mut self, cost_status: u8, checks: u8, passed: u8) {
        for b in [
            &mut self.llm_cost,
            &mut self.llm_input_cost,
            &mut self.llm_output_cost,
        ] {
            b.append_null();
        }
        self.cost_status.append_value(cost_status);
        self.infra_cost.append_null();
        self.data_cost.append_null();
        self.cost_total.append_value(0.0);
        self.system_tokens.append_null();
        self.token_estimate.append_value(0);
        self.push_impacts(None, ENERGY_UNKNOWN, "");
        self.push_quality(checks, passed);
    }

    #[inline(always)]
    pub(super) fn push_tokens(&mut self, system: Option<u32>, estimated: u8) {
        self.system_tokens.append_option(system);
        self.token_estimate.append_value(estimated);
    }

    #[inline(always)]
    pub(super) fn push_llm_cost(&mut self, cost: &LlmCost) {
        match cost.usd {
            Some((total, input, output)) => {
                self.llm_input_cost.append_value(input);
                self.llm_output_cost.append_value(output);
                self.llm_cost.append_value(total);
            }
            None => {
                self.llm_input_cost.append_null();
                self.llm_output_cost.append_null();
                self.llm_cost.append_null();
            }
        }
        self.cost_status.append_value(cost.status);
    }

    /// Infrastructure and data costs, and the span's total cost.
    #[inline(always)]
    pub(super) fn push_other_costs(
        &mut self,
        llm: Option<f64>,
        infra: Option<f64>,
        data: Option<f64>,
    ) {
        self.infra_cost.append_option(infra);
        self.data_cost.append_option(data);
        self.cost_total
            .append_value(llm.unwrap_or(0.0) + infra.unwrap_or(0.0) + data.unwrap_or(0.0));
    }

    /// Energy and carbon (grams), or all unknown when `impacts` is None.
    #[inline(always)]
    pub(super) fn push_impacts(&mut self, impacts: Option<&Impacts>, source: u8, zone: &str) {
        match impacts {
            Some(imp) => {
                let en = imp.energy_kwh;
                let co = imp.usage_gwp_kgco2eq;
                for (b, v) in self.energy.iter_mut().zip([en.value, en.min, en.max]) {
                    b.append_value(v);
                }
                for (b, v) in self.carbon.iter_mut().zip([co.value, co.min, co.max]) {
                    b.append_value(v * 1000.0);
                }
                match imp.embodied_gwp_kgco2eq {
                    Some(em) => {
                        for (b, v) in self.embodied.iter_mut().zip([em.value, em.min, em.max]) {
                            b.append_value(v * 1000.0);
                        }
                    }
                    None => self.embodied.iter_mut().for_each(|b| b.append_null()),
                }
                self.energy_source.append_value(source);
                self.carbon_zone.append_value(zone);
            }
            None => {
                for b in self
                    .energy
                    .iter_mut()
                    .chain(&mut self.carbon)
                    .chain(&mut self.embodied)
                {
                    b.append_null();
                }
                self.energy_source.append_value(ENERGY_UNKNOWN);
                self.carbon_zone.append_value("");
            }
        }
    }

    #[inline(always)]
    pub(super) fn push_quality(&mut self, checks: u8, passed: u8) {
        self.quality_checks.append_value(checks);
        self.quality_passed.append_value(passed);
    }

    pub(super) fn finish(self, tokens: TokenColumns) -> Enriched {
        let [e0, e1, e2] = self.energy;
        let [c0, c1, c2] = self.carbon;
        let [m0, m1, m2] = self.embodied;
        let f = |mut b: Float64Builder| -> ArrayRef { Arc::new(b.finish()) };
        let columns: Vec<ArrayRef> = vec![
            f(self.llm_cost),
            f(self.llm_input_cost),
            f(self.llm_output_cost),
            Arc::new({ self.cost_status }.finish()),
            f(self.infra_cost),
            f(self.data_cost),
            f(self.cost_total),
            Arc::new({ self.system_tokens }.finish()),
            Arc::new({ self.token_estimate }.finish()),
            f(e0),
            f(e1),
            f(e2),
            f(c0),
            f(c1),
            f(c2),
            f(m0),
            f(m1),
            f(m2),
            Arc::new({ self.energy_source }.finish()),
            Arc::new({ self.carbon_zone }.finish()),
            Arc::new({ self.quality_passed }.finish()),
            Arc::new({ self.quality_checks }.finish()),
        ];
        let tokens_col = |v: Option<Vec<Option<u32>>>| -> Option<ArrayRef> {
            v.map(|v| Arc::new(UInt32Array::from(v)) as ArrayRef)
        };
        Enriched {
            columns,
            input_tokens: tokens_col(tokens.input),
            output_tokens: tokens_col(tokens.output),
            total_tokens: tokens_col(tokens.total),
        }
    }
}

/// Token columns, rebuilt only when some count was estimated.
#[derive(Default)]
pub(super) struct TokenColumns {
    pub(super) input: Option<Vec<Option<u32>>>,
    pub(super) output: Option<Vec<Option<u32>>>,
    pub(super) total: Option<Vec<Option<u32>>>,
}
