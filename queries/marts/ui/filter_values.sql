-- ui/filter_values: the values offered by the category and region filters.
-- Returns: dimension varchar ('category' | 'region'), value varchar, n bigint (complaints).
-- Grain: dimension × value, most frequent first within a dimension.
-- Parameters: none.
with categories as (
    select
        'category' as dimension,
        category as value,
        count(*) as n,
    from complaints
    where category is not null
    group by category
),

regions as (
    select
        'region' as dimension,
        region as value,
        count(*) as n,
    from complaints
    where region is not null
    group by region
),

final as (
    select * from categories
    union all
    select * from regions
)

select * from final
order by dimension, n desc, value
