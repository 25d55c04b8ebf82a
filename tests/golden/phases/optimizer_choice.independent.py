# stochdiff independent estimator for optimizer_choice.sd
# streams (each draws independently of the others):
#   s1: E[opt] at line 7: draws opt ~ choice
#   s2: E[opt]#1 at line 7, independent copy 1: draws opt ~ choice
#   s3: E[opt]#2 at line 7, independent copy 2: draws opt ~ choice
def estimate(P, D, S, C, F):
    v0 = P['theta']                                           # 2:7 param theta
    v1 = C[0]                                                 # 3:7 const a = 2
    v2 = C[1]                                                 # 4:7 const c = 1
    v3 = S.draw(1, 0, 'choice_labelled', (('gd', 'newton'), (0.5, 0.5)), ())  # 6:1 stream s1: draw opt for E[opt]
    v4 = C[2]                                                 # 7:30 0.1
    v5 = C[3]                                                 # 5:12 0.5
    v6 = k_mul(v5, v1, 1)                                     # 5:12 mul
    v7 = k_sub(v0, v2, 1)                                     # 5:23 sub
    v8 = C[0]                                                 # 5:32 2
    v9 = k_pow(v7, v8, 1)                                     # 5:22 pow
    v10 = k_mul(v6, v9, 1)                                    # 5:12 mul
    v11 = k_seed(v10, 1)                                      # 7:36 seed
    v12 = k_mul(v11, v6, 1)                                   # 5:12 mul
    v13 = k_unbroadcast(v12, v9, 1)                           # 5:12 unbroadcast
    v14 = k_mul(v8, v7, 1)                                    # 5:22 mul
    v15 = k_mul(v13, v14, 1)                                  # 5:22 mul
    v16 = k_unbroadcast(v15, v7, 1)                           # 5:22 unbroadcast
    v17 = k_unbroadcast(v16, v0, 1)                           # 5:23 unbroadcast
    v18 = k_densify(v17, v0, 1)                               # 7:36 densify
    v19 = k_mul(v4, v18, 1)                                   # 7:30 mul
    v20 = k_div(v18, v1, 1)                                   # 7:69 div
    v21 = k_select(v3, (lift(v19, 1, 2), lift(v20, 1, 2),), 2)  # 7:12 match gd, newton
    v22 = S.mean(v21, 1)                                      # 7:5 average over stream s1 (E[opt], line 7)
    v23 = k_sub(v0, v22, 1)                                   # 8:17 sub
    v24 = k_sub(v23, v5, 1)                                   # 8:17 sub
    v25 = S.draw(2, 0, 'choice_labelled', (('gd', 'newton'), (0.5, 0.5)), ())  # 6:1 stream s2: draw opt for E[opt]#1
    v26 = k_select(v25, (lift(v19, 1, 2), lift(v20, 1, 2),), 2)  # 7:12 match gd, newton
    v27 = S.mean(v26, 2)                                      # 7:5 average over stream s2 (E[opt]#1, line 7)
    v28 = k_sub(v0, v27, 1)                                   # 8:17 sub
    v29 = k_sub(v28, v5, 1)                                   # 8:17 sub
    v30 = k_mul(v24, v29, 1)                                  # 8:16 mul
    v31 = k_mul(v5, v30, 1)                                   # 8:10 mul
    v32 = k_seed(v31, 1)                                      # 8:1 seed
    v33 = k_mul(v32, v5, 1)                                   # 8:10 mul
    v34 = k_unbroadcast(v33, v30, 1)                          # 8:10 unbroadcast
    v35 = k_mul(v8, v24, 1)                                   # 8:16 mul
    v36 = k_mul(v34, v35, 1)                                  # 8:16 mul
    v37 = k_unbroadcast(v36, v24, 1)                          # 8:16 unbroadcast
    v38 = k_unbroadcast(v37, v23, 1)                          # 8:17 unbroadcast
    v39 = k_unbroadcast(v38, v0, 1)                           # 8:17 unbroadcast
    v40 = k_neg(v38, 1)                                       # 8:17 neg
    v41 = k_unbroadcast(v40, v22, 1)                          # 8:17 unbroadcast
    v44 = S.draw(3, 0, 'choice_labelled', (('gd', 'newton'), (0.5, 0.5)), ())  # 6:1 stream s3: draw opt for E[opt]#2
    v45 = k_select_mask(lift(v41, 1, 2), v44, 1, 2)           # 7:12 select_mask
    v46 = S.mean(v45, 3)                                      # 7:5 average over stream s3 (E[opt]#2, line 7)
    v47 = k_div(v46, v1, 1)                                   # 7:69 div
    v48 = k_unbroadcast(v47, v18, 1)                          # 7:69 unbroadcast
    v49 = k_select_mask(lift(v41, 1, 2), v44, 0, 2)           # 7:12 select_mask
    v50 = S.mean(v49, 3)                                      # 7:5 average over stream s3 (E[opt]#2, line 7)
    v51 = k_mul(v50, v4, 1)                                   # 7:30 mul
    v52 = k_unbroadcast(v51, v18, 1)                          # 7:30 unbroadcast
    v53 = k_add(v48, v52, 1)                                  # 7:36 add
    v54 = k_broadcast_to(v53, v16, 1)                         # 5:23 broadcast_to
    v55 = k_broadcast_to(v54, v15, 1)                         # 5:22 broadcast_to
    v56 = k_mul(v55, v13, 1)                                  # 5:22 mul
    v57 = k_unbroadcast(v56, v14, 1)                          # 5:22 unbroadcast
    v58 = k_mul(v57, v8, 1)                                   # 5:22 mul
    v59 = k_unbroadcast(v58, v7, 1)                           # 5:22 unbroadcast
    v60 = k_unbroadcast(v59, v0, 1)                           # 5:23 unbroadcast
    v61 = k_add(v39, v60, 1)                                  # 2:7 add
    v62 = k_densify(v61, v0, 1)                               # 8:1 densify
    return (v31, v62,)
